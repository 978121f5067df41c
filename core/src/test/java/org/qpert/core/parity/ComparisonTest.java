package org.qpert.core.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Mask fills in a reference (±∞, ±Float.MAX_VALUE) are compared exactly and do not scale the real error away. */
class ComparisonTest {
    private static Comparison compare(float[] actual, float... reference) {
        return Comparison.of("t", actual, new ReferenceTensor(new long[] {reference.length}, reference));
    }

    @Test
    void float32MinimumFillsDoNotHideARealError() {
        // OWLv2 holds an absent query's logits at -FLT_MAX: max|b| must come from the real logits (2.0), not 3.4e38
        Comparison c = compare(new float[] {-Float.MAX_VALUE, 2.0f, -1.1f}, -Float.MAX_VALUE, 2.0f, -1.0f);
        assertEquals(0.1, c.maxAbsError(), 1e-6, "tolerance 1e-6 (float32 rounding of 1.1)");
        assertEquals(0.05, c.relativeError(), 1e-6, "0.1 off a largest real value of 2 (tolerance 1e-6)");
    }

    @Test
    void negativeInfinityFillsMatchExactly() {
        Comparison same = compare(new float[] {Float.NEGATIVE_INFINITY, 0.5f}, Float.NEGATIVE_INFINITY, 0.5f);
        assertEquals(0.0, same.relativeError());
    }

    @Test
    void aFillNotReproducedIsAnInfiniteError() {
        assertEquals(Double.POSITIVE_INFINITY, compare(new float[] {-1e30f, 1f}, -Float.MAX_VALUE, 1f).relativeError());
        assertEquals(Double.POSITIVE_INFINITY,
                compare(new float[] {-Float.MAX_VALUE, 1f}, Float.NEGATIVE_INFINITY, 1f).relativeError());
        assertEquals(Double.POSITIVE_INFINITY, compare(new float[] {0f, 1f}, Float.POSITIVE_INFINITY, 1f).relativeError());
    }

    @Test
    void aReferenceOfOnlyFillsReproducedIsExact() {
        assertEquals(0.0, compare(new float[] {-Float.MAX_VALUE}, -Float.MAX_VALUE).relativeError());
    }

    @Test
    void nanIsAnInfiniteError() {
        assertEquals(Double.POSITIVE_INFINITY, compare(new float[] {Float.NaN, 1f}, 0f, 1f).relativeError());
    }
}
