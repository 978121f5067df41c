package org.qpert.kernels;

import org.qpert.core.backend.Tensor;

/** Shape checks with the same messages as the CPU backend's. */
final class Shapes {
    private Shapes() {
    }

    static void requireShape(String what, Tensor t, int rows, int cols) {
        if (t.rows() != rows || t.cols() != cols) {
            throw new IllegalArgumentException(what + " has shape " + t.shape() + ", expected [" + rows + ", " + cols + "]");
        }
    }

    static void requireCols(String what, Tensor t, int cols) {
        if (t.cols() != cols) {
            throw new IllegalArgumentException(what + " has shape " + t.shape() + ", expected " + cols + " columns");
        }
    }
}
