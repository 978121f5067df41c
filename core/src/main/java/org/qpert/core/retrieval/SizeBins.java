package org.qpert.core.retrieval;

/**
 * Object-size bins of the paper's analysis (spec/QPERT.md §7). The object size of an image is the largest relative
 * box area among its boxes; bin b holds sizes in [b/10, (b+1)/10), the last bin [0.9, 1]. "Small" is bin 0. An image
 * with an annotation but no boxes has size 0; an image without annotation has no size (NaN) and no bin.
 */
public final class SizeBins {
    /** Number of bins. */
    public static final int COUNT = 10;
    /** Bin index returned for an image without size. */
    public static final int NONE = -1;

    private SizeBins() {
    }

    /** The object size of an image from its boxes' relative areas; 0 for an empty list. */
    public static double objectSize(double[] relativeAreas) {
        double max = 0;
        for (double a : relativeAreas) {
            if (!(a >= 0 && a <= 1)) {
                throw new IllegalArgumentException("relative box area must be in [0, 1], got " + a);
            }
            max = Math.max(max, a);
        }
        return max;
    }

    /**
     * The bin of a size: the largest b with size >= b/10 (compared against the double nearest to b/10, so a size of
     * exactly 0.3 falls in bin 3), or {@link #NONE} for NaN.
     */
    public static int bin(double size) {
        if (Double.isNaN(size)) {
            return NONE;
        }
        if (size < 0 || size > 1) {
            throw new IllegalArgumentException("object size must be in [0, 1], got " + size);
        }
        for (int b = COUNT - 1; b > 0; b--) {
            if (size >= b / 10.0) {
                return b;
            }
        }
        return 0;
    }

    /** Label of a bin, e.g. {@code [0.1, 0.2)}; the last bin is closed. */
    public static String label(int bin) {
        if (bin < 0 || bin >= COUNT) {
            throw new IllegalArgumentException("size bin must be in 0.." + (COUNT - 1) + ", got " + bin);
        }
        return String.format(java.util.Locale.ROOT, "[%.1f, %.1f%s", bin / 10.0, (bin + 1) / 10.0,
                bin == COUNT - 1 ? "]" : ")");
    }
}
