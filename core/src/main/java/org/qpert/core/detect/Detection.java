package org.qpert.core.detect;

import org.qpert.core.qpert.Box;

/**
 * One detected box.
 *
 * @param box   corners (x0, y0, x1, y1) in the original image's pixels; may reach beyond the image until
 *              {@link DetectionDecoder#forPerturbation} clips it
 * @param score σ(objectness logit), or σ(largest class logit) for text queries, in [0, 1]
 * @param label index of the best text query, or {@link #NO_LABEL} for class-agnostic (objectness) detections
 * @param patch the patch j = y·g + x whose prediction this is (row-major over the detector's g×g grid)
 */
public record Detection(Box box, double score, int label, int patch) {
    public static final int NO_LABEL = -1;

    public Detection {
        if (!(score >= 0 && score <= 1)) {
            throw new IllegalArgumentException("detection score " + score + " is outside [0, 1]");
        }
    }

    /** The same detection with another box (after clipping). */
    public Detection withBox(Box other) {
        return new Detection(other, score, label, patch);
    }
}
