package org.qpert.core.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.junit.jupiter.api.Test;

/**
 * The tridiagonal QL solver against the Jacobi solver and Commons Math on the kinds of matrices Q-Perturbation makes:
 * second moments of weighted keys, full rank and rank deficient (Gram matrices, small objects), plus repeated and
 * zero eigenvalues. Tolerances are relative to the largest eigenvalue.
 */
class SymmetricEigenSolversTest {
    private static final double VALUE_TOLERANCE = 1e-12;
    /** Projectors onto the top-k subspace, where the k-th gap is at least 1e-3 of λ₁. */
    private static final double PROJECTOR_TOLERANCE = 1e-8;

    private final Random random = new Random(11);

    @Test
    void agreesWithJacobiAndCommonsMathOnSecondMoments() {
        for (int n : new int[] {1, 2, 7, 16, 64}) {
            for (int rows : new int[] {1, 3, n / 2 + 1, 3 * n}) {
                double[] a = secondMoment(n, rows);
                SymmetricEigen tri = TridiagonalEigen.solveBatch(a, 1, n);
                SymmetricEigen jac = JacobiEigen.solveBatch(a, 1, n);
                EigenDecomposition cm = new EigenDecomposition(new Array2DRowRealMatrix(square(a, n)));
                double scale = Math.max(tri.value(0, 0), 1e-300);
                for (int i = 0; i < n; i++) {
                    assertEquals(jac.value(0, i), tri.value(0, i), VALUE_TOLERANCE * scale, "n=" + n + " value " + i);
                    assertEquals(cm.getRealEigenvalue(i), tri.value(0, i), VALUE_TOLERANCE * scale);
                }
                assertReconstructs(a, tri, n);
                for (int k = 1; k < Math.min(n, rows); k++) {
                    if (tri.value(0, k - 1) - tri.value(0, k) > 1e-3 * scale) {
                        assertProjectorsEqual(tri, jac, n, k);
                    }
                }
            }
        }
    }

    @Test
    void handlesRepeatedAndZeroEigenvaluesAndBatches() {
        int n = 5;
        double[] batch = new double[3 * n * n];
        for (int i = 0; i < n; i++) {
            batch[i * n + i] = i < 2 ? 4 : 0; // diag(4, 4, 0, 0, 0)
            batch[n * n + i * n + i] = 1; // identity
        }
        System.arraycopy(secondMoment(n, 2), 0, batch, 2 * n * n, n * n);
        SymmetricEigen eig = TridiagonalEigen.solveBatch(batch, 3, n);
        assertEquals(4, eig.value(0, 0), 1e-14);
        assertEquals(4, eig.value(0, 1), 1e-14);
        assertEquals(0, eig.value(0, 4), 1e-14);
        for (int i = 0; i < n; i++) {
            assertEquals(1, eig.value(1, i), 1e-14);
        }
        for (int m = 0; m < 3; m++) {
            double[] one = new double[n * n];
            System.arraycopy(batch, m * n * n, one, 0, n * n);
            assertReconstructs(one, sub(eig, m), n);
        }
    }

    @Test
    void zeroPaddedMatricesSolveAsTheirLeadingBlock() {
        // Batches pad smaller Gram problems with zero rows; the solver trims them. Same eigenpairs as unpadded.
        int n = 7, padded = 10;
        double[] a = new double[n * n], big = new double[2 * padded * padded];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double x = random.nextGaussian();
                a[i * n + j] = a[j * n + i] = x;
                big[i * padded + j] = big[j * padded + i] = x;
            }
        }
        SymmetricEigen small = TridiagonalEigen.solveBatch(a, 1, n);
        SymmetricEigen wide = TridiagonalEigen.solveBatch(big, 2, padded);
        int zeros = 0;
        for (int i = 0; i < padded; i++) {
            double value = wide.value(0, i);
            double norm = 0;
            for (int j = n; j < padded; j++) {
                norm += Math.abs(wide.vector(0, i, j));
            }
            if (value == 0 && norm == 1) {
                zeros++;   // a padding eigenpair: value 0, a unit vector outside the block
                continue;
            }
            int k = i - zeros;
            assertEquals(small.value(0, k), value, 1e-12 * Math.abs(small.value(0, 0)), "eigenvalue " + k);
            assertEquals(0, norm, 0.0, "eigenvector " + k + " has no padding components");
            double dot = 0;
            for (int j = 0; j < n; j++) {
                dot += small.vector(0, k, j) * wide.vector(0, i, j);
            }
            assertEquals(1, Math.abs(dot), 1e-10, "eigenvector " + k);
        }
        assertEquals(padded - n, zeros, "one zero eigenpair per padding row");
        for (int i = 0; i < padded; i++) {
            assertEquals(0, wide.value(1, i), 0.0, "the all-zero matrix has only zero eigenvalues");
            double length = 0;
            for (int j = 0; j < padded; j++) {
                length += wide.vector(1, i, j) * wide.vector(1, i, j);
            }
            assertEquals(1, length, 0.0, "and unit eigenvectors");
        }
    }

    @Test
    void rejectsNonFiniteInputAndWrongSizes() {
        assertThrows(IllegalArgumentException.class, () -> TridiagonalEigen.solveBatch(new double[] {Double.NaN}, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> TridiagonalEigen.solveBatch(new double[5], 1, 2));
    }

    private double[] secondMoment(int n, int rows) {
        double[] a = new double[n * n];
        double[] f = new double[n];
        for (int t = 0; t < rows; t++) {
            double w = random.nextDouble();
            for (int c = 0; c < n; c++) {
                f[c] = w * (random.nextGaussian() + 0.5);
            }
            for (int r = 0; r < n; r++) {
                for (int c = 0; c < n; c++) {
                    a[r * n + c] += f[r] * f[c];
                }
            }
        }
        return a;
    }

    private static double[][] square(double[] a, int n) {
        double[][] m = new double[n][n];
        for (int r = 0; r < n; r++) {
            System.arraycopy(a, r * n, m[r], 0, n);
        }
        return m;
    }

    private static SymmetricEigen sub(SymmetricEigen eig, int m) {
        int n = eig.n();
        double[] values = new double[n], vectors = new double[n * n];
        System.arraycopy(eig.values(), m * n, values, 0, n);
        System.arraycopy(eig.vectors(), m * n * n, vectors, 0, n * n);
        return new SymmetricEigen(1, n, values, vectors);
    }

    /** A = Σ λ_i u_i u_iᵀ and the u_i orthonormal. */
    private static void assertReconstructs(double[] a, SymmetricEigen eig, int n) {
        double scale = Math.max(Math.abs(eig.value(0, 0)), 1);
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < n; c++) {
                double s = 0, dot = 0;
                for (int i = 0; i < n; i++) {
                    s += eig.value(0, i) * eig.vector(0, i, r) * eig.vector(0, i, c);
                    dot += eig.vector(0, r, i) * eig.vector(0, c, i);
                }
                assertEquals(a[r * n + c], s, 1e-12 * scale, "reconstruction at " + r + ", " + c);
                assertEquals(r == c ? 1 : 0, dot, 1e-12, "orthonormality of vectors " + r + ", " + c);
            }
        }
    }

    private static void assertProjectorsEqual(SymmetricEigen x, SymmetricEigen y, int n, int k) {
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < n; c++) {
                double px = 0, py = 0;
                for (int i = 0; i < k; i++) {
                    px += x.vector(0, i, r) * x.vector(0, i, c);
                    py += y.vector(0, i, r) * y.vector(0, i, c);
                }
                assertEquals(py, px, PROJECTOR_TOLERANCE, "projector k=" + k + " at " + r + ", " + c);
            }
        }
    }
}
