package org.qpert.core.parity;

import java.util.Arrays;

/** A tensor exported from the reference implementation: its shape and float values, row-major. */
public record ReferenceTensor(long[] shape, float[] values) {
    public ReferenceTensor {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n != values.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " does not hold " + values.length
                    + " values");
        }
    }

    public String shapeText() {
        return Arrays.toString(shape);
    }
}
