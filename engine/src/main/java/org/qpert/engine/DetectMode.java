package org.qpert.engine;

/** Which gallery images get their boxes from the detector, when there is one. */
public enum DetectMode {
    /** Images without a box annotation (the default): annotated boxes are kept. */
    MISSING,
    /** Every image: annotations are ignored. */
    ALL;

    public static DetectMode parse(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "missing" -> MISSING;
            case "all" -> ALL;
            default -> throw new IllegalArgumentException("--detect must be 'missing' or 'all', got '" + name + "'");
        };
    }

    /** Whether an image with ({@code annotated}) or without a box annotation is detected. */
    public boolean detects(boolean annotated) {
        return this == ALL || !annotated;
    }
}
