package org.qpert.core.backend;

/**
 * Cyclic two-sided Jacobi for symmetric matrices in double: accurate for small eigenvalues relative to the large ones
 * and maps one matrix to one GPU thread block. On the CPU {@link TridiagonalEigen} is 8x faster at order 64 with the
 * same results to 1e-12 (bench/RESULTS.md), so the CPU backend uses that; this one is its cross-check.
 */
public final class JacobiEigen {
    private static final int MAX_SWEEPS = 60;

    private JacobiEigen() {
    }

    /** Solves {@code count} matrices given row-major in {@code matrices}; eigenvalues sorted descending. */
    public static SymmetricEigen solveBatch(double[] matrices, int count, int n) {
        if (count < 0 || n <= 0 || matrices.length != (long) count * n * n) {
            throw new IllegalArgumentException("eigen batch of " + matrices.length + " values does not hold "
                    + count + " matrices of order " + n);
        }
        double[] values = new double[count * n];
        double[] vectors = new double[count * n * n];
        double[] a = new double[n * n];
        double[] v = new double[n * n];
        for (int m = 0; m < count; m++) {
            System.arraycopy(matrices, m * n * n, a, 0, n * n);
            solve(a, v, n);
            sortInto(a, v, n, values, m * n, vectors, m * n * n);
        }
        return new SymmetricEigen(count, n, values, vectors);
    }

    /** Diagonalizes a in place (eigenvalues on the diagonal); v receives eigenvectors as columns. */
    static void solve(double[] a, double[] v, int n) {
        java.util.Arrays.fill(v, 0);
        for (int i = 0; i < n; i++) {
            v[i * n + i] = 1;
        }
        for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
            double off = 0, diag = 0;
            for (int p = 0; p < n; p++) {
                diag += a[p * n + p] * a[p * n + p];
                for (int q = p + 1; q < n; q++) {
                    off += a[p * n + q] * a[p * n + q];
                }
            }
            if (off <= 1e-30 * diag || off == 0) {
                return;
            }
            for (int p = 0; p < n - 1; p++) {
                for (int q = p + 1; q < n; q++) {
                    double apq = a[p * n + q];
                    if (apq == 0) {
                        continue;
                    }
                    double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1), s = t * c;
                    rotate(a, v, n, p, q, c, s);
                }
            }
        }
    }

    private static void rotate(double[] a, double[] v, int n, int p, int q, double c, double s) {
        for (int k = 0; k < n; k++) {
            double akp = a[k * n + p], akq = a[k * n + q];
            a[k * n + p] = c * akp - s * akq;
            a[k * n + q] = s * akp + c * akq;
        }
        for (int k = 0; k < n; k++) {
            double apk = a[p * n + k], aqk = a[q * n + k];
            a[p * n + k] = c * apk - s * aqk;
            a[q * n + k] = s * apk + c * aqk;
        }
        for (int k = 0; k < n; k++) {
            double vkp = v[k * n + p], vkq = v[k * n + q];
            v[k * n + p] = c * vkp - s * vkq;
            v[k * n + q] = s * vkp + c * vkq;
        }
    }

    private static void sortInto(double[] a, double[] v, int n, double[] values, int vo, double[] vectors, int eo) {
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (x, y) -> Double.compare(a[y * n + y], a[x * n + x]));
        for (int i = 0; i < n; i++) {
            int src = order[i];
            values[vo + i] = a[src * n + src];
            for (int j = 0; j < n; j++) {
                vectors[eo + i * n + j] = v[j * n + src];
            }
        }
    }
}
