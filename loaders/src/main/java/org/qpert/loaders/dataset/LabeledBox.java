package org.qpert.loaders.dataset;

/**
 * An object box {@code (x0, y0, x1, y1)} in original image pixels (x0 <= x < x1, y0 <= y < y1), with an optional
 * label (null when absent) and detector score (NaN when absent).
 */
public record LabeledBox(double x0, double y0, double x1, double y1, String label, double score) {

    public static LabeledBox of(double x0, double y0, double x1, double y1) {
        return new LabeledBox(x0, y0, x1, y1, null, Double.NaN);
    }

    public double width() {
        return x1 - x0;
    }

    public double height() {
        return y1 - y0;
    }

    public boolean hasScore() {
        return !Double.isNaN(score);
    }

    LabeledBox withCoordinates(double nx0, double ny0, double nx1, double ny1) {
        return new LabeledBox(nx0, ny0, nx1, ny1, label, score);
    }

    @Override
    public String toString() {
        return "(" + x0 + ", " + y0 + ", " + x1 + ", " + y1 + ")" + (label == null ? "" : " " + label);
    }
}
