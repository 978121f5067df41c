package org.qpert.api;

import org.qpert.loaders.dataset.LabeledBox;

/**
 * One detected object: the patch that predicted it, its score (σ of the objectness or best class logit), its label
 * (the best text query, or {@value DetectorSettings#OBJECT_LABEL} for objectness) and its box in original pixels.
 */
public record Detection(int patch, double score, String label, double x0, double y0, double x1, double y1) {

    public double width() {
        return x1 - x0;
    }

    public double height() {
        return y1 - y0;
    }

    public LabeledBox toLabeledBox() {
        return new LabeledBox(x0, y0, x1, y1, label, score);
    }
}
