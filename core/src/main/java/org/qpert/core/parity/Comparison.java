package org.qpert.core.parity;

/**
 * One computed tensor against its reference: max |a − b| and the relative error max |a − b| / max |b|.
 *
 * <p>Reference cells holding a mask fill (±∞, as CoCa's text attention mask, or ±{@link Float#MAX_VALUE}, the
 * float32 extreme that HF writes for an absent OWLv2 query) are compared exactly and left out of both maxima: a
 * difference of infinities is NaN, and one 3.4e38 would scale every real error down to nothing (1e-44). Any other
 * computed value in such a cell is an infinite error.
 */
public record Comparison(String key, String shape, double maxAbsError, double relativeError) {

    /** Compares element-wise; a length mismatch is reported as an infinite error rather than thrown. */
    public static Comparison of(String key, float[] actual, ReferenceTensor expected) {
        float[] ref = expected.values();
        if (actual.length != ref.length) {
            return new Comparison(key, expected.shapeText() + " (computed " + actual.length + " values)",
                    Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY);
        }
        double maxAbs = 0, maxRef = 0;
        for (int i = 0; i < ref.length; i++) {
            if (isMaskFill(ref[i])) {
                if (actual[i] != ref[i]) {
                    maxAbs = Double.POSITIVE_INFINITY;
                }
                continue;
            }
            double diff = Math.abs((double) actual[i] - ref[i]);
            maxAbs = Double.isNaN(diff) ? Double.POSITIVE_INFINITY : Math.max(maxAbs, diff);
            maxRef = Math.max(maxRef, Math.abs(ref[i]));
        }
        double rel = maxRef == 0 ? (maxAbs == 0 ? 0 : Double.POSITIVE_INFINITY) : maxAbs / maxRef;
        return new Comparison(key, expected.shapeText(), maxAbs, rel);
    }

    private static boolean isMaskFill(float v) {
        return Float.isInfinite(v) || Math.abs(v) == Float.MAX_VALUE;
    }

    public boolean within(double tolerance) {
        return relativeError <= tolerance;
    }
}
