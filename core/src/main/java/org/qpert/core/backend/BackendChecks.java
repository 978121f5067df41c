package org.qpert.core.backend;

/**
 * The argument and shape checks of every {@link Backend} op, written once so that all backends refuse the same calls
 * with the same messages. Each backend calls the check of an op before touching any data.
 */
public final class BackendChecks {
    private BackendChecks() {
    }

    public static void requireShape(String what, Tensor t, int rows, int cols) {
        if (t.rows() != rows || t.cols() != cols) {
            throw new IllegalArgumentException(what + " has shape " + t.shape() + ", expected [" + rows + ", " + cols + "]");
        }
    }

    public static void requireCols(String what, Tensor t, int cols) {
        if (t.cols() != cols) {
            throw new IllegalArgumentException(what + " has shape " + t.shape() + ", expected " + cols + " columns");
        }
    }

    /** {@link Backend#upload}: data must fill [rows, cols] exactly. */
    public static void upload(float[] data, int rows, int cols) {
        if (rows < 0 || cols < 0 || data.length != (long) rows * cols) {
            throw new IllegalArgumentException("upload of " + data.length + " floats does not fit [" + rows + ", " + cols
                    + "]");
        }
    }

    /** {@link Backend#linear} and its fused forms; b and residual may be null. */
    public static void linear(Tensor x, Tensor w, Tensor b, Tensor residual) {
        requireCols("linear input", x, w.cols());
        if (b != null) {
            requireShape("linear bias", b, 1, w.rows());
        }
        if (residual != null) {
            requireShape("linear residual", residual, x.rows(), w.rows());
        }
    }

    /** {@link Backend#add}. */
    public static void add(Tensor a, Tensor b) {
        requireShape("add operand", b, a.rows(), a.cols());
    }

    /** {@link Backend#addRow}. */
    public static void addRow(Tensor x, Tensor row) {
        requireShape("added row", row, 1, x.cols());
    }

    /** {@link Backend#layerNorm} and {@link Backend#addLayerNorm} (residual may be null). */
    public static void layerNorm(Tensor x, Tensor residual, Tensor gamma, Tensor beta) {
        int d = x.cols();
        requireShape("layer norm weight", gamma, 1, d);
        requireShape("layer norm bias", beta, 1, d);
        if (residual != null) {
            requireShape("layer norm residual", residual, x.rows(), d);
        }
    }

    /** {@link Backend#attention}. */
    public static void attention(Tensor q, Tensor k, Tensor v, int heads, float[] keyBias) {
        int nk = k.rows(), width = q.cols();
        requireShape("attention keys", k, nk, width);
        requireShape("attention values", v, nk, width);
        if (heads <= 0 || width % heads != 0) {
            throw new IllegalArgumentException("attention width " + width + " not divisible by " + heads + " heads");
        }
        if (nk == 0) {
            throw new IllegalArgumentException("attention over zero keys");
        }
        if (keyBias != null && keyBias.length != nk) {
            throw new IllegalArgumentException("attention key bias has " + keyBias.length + " entries for " + nk + " keys");
        }
    }

    /** {@link Backend#sliceRows}. */
    public static void sliceRows(Tensor x, int from, int to) {
        if (from < 0 || to > x.rows() || from > to) {
            throw new IllegalArgumentException("row slice " + from + ".." + to + " outside " + x.shape());
        }
    }

    /** {@link Backend#sliceCols}. */
    public static void sliceCols(Tensor x, int from, int to) {
        if (from < 0 || to > x.cols() || from > to) {
            throw new IllegalArgumentException("column slice " + from + ".." + to + " outside " + x.shape());
        }
    }

    /** {@link Backend#concatRows}. */
    public static void concatRows(Tensor a, Tensor b) {
        requireCols("concatenated rows", b, a.cols());
    }

    /** {@link Backend#gatherRows}: every id inside the table. */
    public static void gatherRows(Tensor table, int[] ids) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= table.rows()) {
                throw new IllegalArgumentException("id " + ids[i] + " at position " + i + " is outside the table of "
                        + table.rows() + " rows");
            }
        }
    }

    /** {@link Backend#meanRows}: the mean of no rows is undefined. */
    public static void meanRows(Tensor x) {
        if (x.rows() == 0) {
            throw new IllegalArgumentException("mean over the rows of an empty tensor " + x.shape());
        }
    }

    /** {@link Backend#perturbQueries}. */
    public static void perturbQueries(Tensor q, Tensor pbar, int heads) {
        int width = q.cols();
        if (heads <= 0 || width % heads != 0) {
            throw new IllegalArgumentException("query width " + width + " not divisible by " + heads + " heads");
        }
        requireShape("P̄", pbar, width, width / heads);
    }

    /** {@link Backend#symmetricEigen}. */
    public static void symmetricEigen(double[] matrices, int count, int n) {
        if (count < 0 || n <= 0 || matrices.length != (long) count * n * n) {
            throw new IllegalArgumentException("eigen batch of " + matrices.length + " values does not hold " + count
                    + " matrices of order " + n);
        }
    }

    public static void rmsNorm(Tensor x, Tensor gamma) {
        requireShape("RMSNorm weight", gamma, 1, x.cols());
    }

    /** Returns the head width d; d must be even and positions one per row, non-negative. */
    public static int rotary(Tensor x, int heads, int[] positions) {
        if (heads <= 0 || x.cols() % heads != 0 || (x.cols() / heads) % 2 != 0) {
            throw new IllegalArgumentException("rotary: " + x.cols() + " columns do not split into " + heads
                    + " heads of an even width");
        }
        if (positions.length != x.rows()) {
            throw new IllegalArgumentException("rotary: " + positions.length + " positions for " + x.rows()
                    + " rows");
        }
        for (int p : positions) {
            if (p < 0) {
                throw new IllegalArgumentException("rotary: negative position " + p);
            }
        }
        return x.cols() / heads;
    }

    public static void swiGlu(Tensor gateUp) {
        if (gateUp.cols() % 2 != 0) {
            throw new IllegalArgumentException("SwiGLU input " + gateUp.shape() + " has an odd number of columns "
                    + "(gate and up side by side)");
        }
    }

    public static void scaledResidual(Tensor x, Tensor scale, Tensor residual) {
        requireShape("layer scale", scale, 1, x.cols());
        requireShape("residual", residual, x.rows(), x.cols());
    }
}
