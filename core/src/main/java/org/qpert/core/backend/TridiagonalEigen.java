package org.qpert.core.backend;

/**
 * Symmetric eigensolver: Householder reduction to tridiagonal form, then the implicit QL algorithm (EISPACK
 * tred2/tql2, the algorithm of JAMA and of Commons Math's EigenDecomposition) on flat double arrays.
 *
 * <p>The CPU path of {@link Backend#symmetricEigen}: about (4/3 + 3)·n³ flops against the Jacobi solver's ~8·n³ per
 * sweep times 6–10 sweeps, and no per-matrix objects as in Commons Math; bench/RESULTS.md has the measurement.
 * Eigenvalues are accurate to about 1e-16·‖A‖ absolutely, far below what the τ rule and the 1e-5·λ₁ rank clamp
 * look at.
 */
public final class TridiagonalEigen {
    private static final double EPS = Math.ulp(1.0);
    /** QL converges in 1–2 iterations per eigenvalue; the cap turns a pathological input into an error, not a hang. */
    private static final int MAX_ITERATIONS_PER_VALUE = 60;

    private TridiagonalEigen() {
    }

    /** Solves {@code count} matrices given row-major in {@code matrices}; eigenvalues sorted descending. */
    public static SymmetricEigen solveBatch(double[] matrices, int count, int n) {
        SymmetricEigen out = allocate(matrices, count, n);
        solveRange(matrices, n, 0, count, out);
        return out;
    }

    /** Checks the batch and allocates its result, for callers that split {@link #solveRange} across threads. */
    static SymmetricEigen allocate(double[] matrices, int count, int n) {
        if (count < 0 || n <= 0 || matrices.length != (long) count * n * n) {
            throw new IllegalArgumentException("eigen batch of " + matrices.length + " values does not hold "
                    + count + " matrices of order " + n);
        }
        for (int i = 0; i < matrices.length; i++) {
            if (!Double.isFinite(matrices[i])) {
                throw new IllegalArgumentException("eigen batch: matrix " + i / (n * n) + " has a non-finite entry");
            }
        }
        return new SymmetricEigen(count, n, new double[count * n], new double[count * n * n]);
    }

    /**
     * Solves matrices {@code from..to-1} of the batch into {@code out}; ranges of one batch may run concurrently. A
     * matrix whose trailing rows and columns are zero (a batch zero-pads its smaller problems to one order) is solved
     * on its leading block only, the zero rows adding eigenvalues 0 with unit eigenvectors: the work is cubic in the
     * order, so a problem of 16 padded to 20 costs half as much.
     */
    static void solveRange(double[] matrices, int n, int from, int to, SymmetricEigen out) {
        double[] w = new double[n * n];
        double[][] rows = new double[n][n];
        double[] d = new double[n], e = new double[n];
        for (int m = from; m < to; m++) {
            int off = m * n * n, order = n;
            while (order > 0 && zeroRowAndColumn(matrices, off, n, order - 1)) {
                order--;
            }
            for (int i = 0; i < order; i++) {
                System.arraycopy(matrices, off + i * n, w, i * order, order);
            }
            if (order > 0) {
                tridiagonalize(w, d, e, order);
            }
            for (int i = 0; i < n; i++) {
                java.util.Arrays.fill(rows[i], 0);
                if (i < order) {
                    System.arraycopy(w, i * order, rows[i], 0, order);
                } else {
                    rows[i][i] = 1;
                    d[i] = 0;
                }
            }
            if (order > 0) {
                diagonalize(rows, d, e, order, m);
            }
            sortDescending(rows, d, n, out.values(), m * n, out.vectors(), m * n * n);
        }
    }

    private static boolean zeroRowAndColumn(double[] matrices, int off, int n, int i) {
        for (int j = 0; j < n; j++) {
            if (matrices[off + i * n + j] != 0 || matrices[off + j * n + i] != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * tred2: reduces the symmetric matrix in w to tridiagonal form (diagonal d, sub-diagonal e[1..n-1]) and leaves
     * the orthogonal transformation in w as rows. EISPACK's loops written on the transpose (w = vᵀ, the same matrix
     * on symmetric input), so their inner loops run along rows instead of striding down columns.
     */
    private static void tridiagonalize(double[] w, double[] d, double[] e, int n) {
        for (int j = 0; j < n; j++) {
            d[j] = w[j * n + (n - 1)];
        }
        for (int i = n - 1; i > 0; i--) {
            double scale = 0, h = 0;
            for (int k = 0; k < i; k++) {
                scale += Math.abs(d[k]);
            }
            if (scale == 0) {
                e[i] = d[i - 1];
                for (int j = 0; j < i; j++) {
                    d[j] = w[j * n + (i - 1)];
                    w[j * n + i] = 0;
                    w[i * n + j] = 0;
                }
            } else {
                for (int k = 0; k < i; k++) {
                    d[k] /= scale;
                    h += d[k] * d[k];
                }
                double f = d[i - 1];
                double g = Math.sqrt(h);
                if (f > 0) {
                    g = -g;
                }
                e[i] = scale * g;
                h -= f * g;
                d[i - 1] = f - g;
                for (int j = 0; j < i; j++) {
                    e[j] = 0;
                }
                for (int j = 0; j < i; j++) {
                    f = d[j];
                    w[i * n + j] = f;
                    g = e[j] + w[j * n + j] * f;
                    for (int k = j + 1; k <= i - 1; k++) {
                        g += w[j * n + k] * d[k];
                        e[k] += w[j * n + k] * f;
                    }
                    e[j] = g;
                }
                f = 0;
                for (int j = 0; j < i; j++) {
                    e[j] /= h;
                    f += e[j] * d[j];
                }
                double hh = f / (h + h);
                for (int j = 0; j < i; j++) {
                    e[j] -= hh * d[j];
                }
                for (int j = 0; j < i; j++) {
                    f = d[j];
                    g = e[j];
                    for (int k = j; k <= i - 1; k++) {
                        w[j * n + k] -= f * e[k] + g * d[k];
                    }
                    d[j] = w[j * n + (i - 1)];
                    w[j * n + i] = 0;
                }
            }
            d[i] = h;
        }
        for (int i = 0; i < n - 1; i++) {
            w[i * n + (n - 1)] = w[i * n + i];
            w[i * n + i] = 1;
            double h = d[i + 1];
            if (h != 0) {
                for (int k = 0; k <= i; k++) {
                    d[k] = w[(i + 1) * n + k] / h;
                }
                for (int j = 0; j <= i; j++) {
                    double g = 0;
                    for (int k = 0; k <= i; k++) {
                        g += w[(i + 1) * n + k] * w[j * n + k];
                    }
                    for (int k = 0; k <= i; k++) {
                        w[j * n + k] -= g * d[k];
                    }
                }
            }
            for (int k = 0; k <= i; k++) {
                w[(i + 1) * n + k] = 0;
            }
        }
        for (int j = 0; j < n; j++) {
            d[j] = w[j * n + (n - 1)];
            w[j * n + (n - 1)] = 0;
        }
        w[(n - 1) * n + (n - 1)] = 1;
        e[0] = 0;
    }

    /**
     * tql2 with the transformation stored transposed (row i = column i of v), so each plane rotation updates two
     * rows, kept as separate arrays: with one index into two arrays C2 vectorizes the rotation, with two offsets into
     * one flat array it cannot (2x on this loop, which is most of the solve at small n). Leaves eigenvalues in d,
     * eigenvectors in the rows.
     */
    private static void diagonalize(double[][] vt, double[] d, double[] e, int n, int matrix) {
        for (int i = 1; i < n; i++) {
            e[i - 1] = e[i];
        }
        e[n - 1] = 0;
        double f = 0, tst1 = 0;
        for (int l = 0; l < n; l++) {
            tst1 = Math.max(tst1, Math.abs(d[l]) + Math.abs(e[l]));
            int m = l;
            while (m < n && Math.abs(e[m]) > EPS * tst1) {
                m++;
            }
            if (m > l) {
                int iterations = 0;
                do {
                    if (++iterations > MAX_ITERATIONS_PER_VALUE) {
                        throw new IllegalArgumentException("eigen decomposition of matrix " + matrix
                                + " did not converge in " + MAX_ITERATIONS_PER_VALUE + " QL iterations");
                    }
                    double g = d[l];
                    double p = (d[l + 1] - g) / (2 * e[l]);
                    double r = Math.sqrt(p * p + 1);
                    if (p < 0) {
                        r = -r;
                    }
                    d[l] = e[l] / (p + r);
                    d[l + 1] = e[l] * (p + r);
                    double dl1 = d[l + 1];
                    double h = g - d[l];
                    for (int i = l + 2; i < n; i++) {
                        d[i] -= h;
                    }
                    f += h;
                    p = d[m];
                    double c = 1, c2 = 1, c3 = 1, el1 = e[l + 1], s = 0, s2 = 0;
                    for (int i = m - 1; i >= l; i--) {
                        c3 = c2;
                        c2 = c;
                        s2 = s;
                        g = c * e[i];
                        h = c * p;
                        r = Math.sqrt(p * p + e[i] * e[i]);
                        e[i + 1] = s * r;
                        s = e[i] / r;
                        c = p / r;
                        p = c * d[i] - s * g;
                        d[i + 1] = h + s * (c * g + s * d[i]);
                        rotate(vt[i], vt[i + 1], n, c, s);
                    }
                    p = -s * s2 * c3 * el1 * e[l] / dl1;
                    e[l] = s * p;
                    d[l] = c * p;
                } while (Math.abs(e[l]) > EPS * tst1);
            }
            d[l] += f;
            e[l] = 0;
        }
    }

    /** The rows (a, b) ← (c·a − s·b, s·a + c·b). */
    private static void rotate(double[] a, double[] b, int n, double c, double s) {
        for (int k = 0; k < n; k++) {
            double hk = b[k];
            b[k] = s * a[k] + c * hk;
            a[k] = c * a[k] - s * hk;
        }
    }

    /** Selection sort by value, descending (n ≤ a few hundred: n² compares are nothing next to n³). */
    private static void sortDescending(double[][] vt, double[] d, int n, double[] values, int vo, double[] vectors,
                                       int eo) {
        for (int i = 0; i < n; i++) {
            int best = i;
            for (int j = i + 1; j < n; j++) {
                if (d[j] > d[best]) {
                    best = j;
                }
            }
            if (best != i) {
                double t = d[i];
                d[i] = d[best];
                d[best] = t;
                double[] row = vt[i];
                vt[i] = vt[best];
                vt[best] = row;
            }
            values[vo + i] = d[i];
            System.arraycopy(vt[i], 0, vectors, eo + i * n, n);
        }
    }
}
