package org.qpert.core.qpert;

/**
 * An object box {@code (x0, y0, x1, y1)} in original image pixels: x0 ≤ x < x1, y0 ≤ y < y1.
 *
 * <p>Validation: every coordinate must be finite and the box must have positive width and height; NaN, infinite,
 * inverted ({@code x1 < x0} or {@code y1 < y0}) and empty boxes are rejected with an {@link IllegalArgumentException}.
 * A box may reach beyond the image: {@link #clipTo} cuts it to the image and rejects one with no area inside.
 */
public record Box(double x0, double y0, double x1, double y1) {

    public Box {
        if (!Double.isFinite(x0) || !Double.isFinite(y0) || !Double.isFinite(x1) || !Double.isFinite(y1)) {
            throw new IllegalArgumentException("box " + text(x0, y0, x1, y1) + " has a coordinate that is not finite");
        }
        if (x1 < x0 || y1 < y0) {
            throw new IllegalArgumentException("box " + text(x0, y0, x1, y1)
                    + " is inverted (expected x0 <= x1 and y0 <= y1, as x0, y0, x1, y1 in pixels)");
        }
        if (x1 == x0 || y1 == y0) {
            throw new IllegalArgumentException("box " + text(x0, y0, x1, y1) + " is empty (zero width or height)");
        }
    }

    public double width() {
        return x1 - x0;
    }

    public double height() {
        return y1 - y0;
    }

    /**
     * This box cut to an image of {@code height × width} pixels. Throws when the box has no area inside the image,
     * since such a box can only come from wrong coordinates (another image's, or x/y swapped).
     */
    public Box clipTo(int height, int width) {
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("image size " + height + " x " + width + " (H x W) must be positive");
        }
        double cx0 = Math.max(0, x0), cy0 = Math.max(0, y0);
        double cx1 = Math.min(width, x1), cy1 = Math.min(height, y1);
        if (cx1 <= cx0 || cy1 <= cy0) {
            throw new IllegalArgumentException("box " + this + " lies outside the image of " + height + " x " + width
                    + " (H x W) pixels");
        }
        if (cx0 == x0 && cy0 == y0 && cx1 == x1 && cy1 == y1) {
            return this;
        }
        return new Box(cx0, cy0, cx1, cy1);
    }

    /** Fraction of an {@code height × width} image this box covers (spec a_j); use it on a clipped box. */
    public double areaFraction(int height, int width) {
        return width() * height() / ((double) height * width);
    }

    @Override
    public String toString() {
        return text(x0, y0, x1, y1);
    }

    private static String text(double x0, double y0, double x1, double y1) {
        return "(" + x0 + ", " + y0 + ", " + x1 + ", " + y1 + ")";
    }
}
