package org.qpert.loaders.synthetic;

/** One drawn shape and its bounding box in pixel coordinates (x0, y0 inclusive; x1, y1 exclusive). */
public record SceneObject(Shape shape, Colour colour, boolean small, int x0, int y0, int x1, int y1) {

    public enum Shape { CIRCLE, SQUARE, TRIANGLE }

    public enum Colour {
        RED(200, 30, 30), GREEN(30, 160, 40), BLUE(30, 60, 200), YELLOW(230, 210, 40), WHITE(245, 245, 245),
        BLACK(15, 15, 15);

        final int r, g, b;

        Colour(int r, int g, int b) {
            this.r = r;
            this.g = g;
            this.b = b;
        }
    }

    /** Box area over image area. */
    public double relativeArea(int imageWidth, int imageHeight) {
        return (double) (x1 - x0) * (y1 - y0) / ((double) imageWidth * imageHeight);
    }

    /** e.g. "small red circle". */
    public String phrase() {
        return (small ? "small " : "large ") + name(colour) + " " + name(shape);
    }

    static String name(Enum<?> e) {
        return e.name().toLowerCase(java.util.Locale.ROOT);
    }
}
