package org.qpert.core.parity;

/**
 * One computed tensor against its reference: max |a − b| and the relative error max |a − b| / max |b|.
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
            double diff = Math.abs((double) actual[i] - ref[i]);
            maxAbs = Double.isNaN(diff) ? Double.POSITIVE_INFINITY : Math.max(maxAbs, diff);
            maxRef = Math.max(maxRef, Math.abs(ref[i]));
        }
        double rel = maxRef == 0 ? (maxAbs == 0 ? 0 : Double.POSITIVE_INFINITY) : maxAbs / maxRef;
        return new Comparison(key, expected.shapeText(), maxAbs, rel);
    }

    public boolean within(double tolerance) {
        return relativeError <= tolerance;
    }
}
