package org.qpert.kernels;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.qpert.core.backend.JacobiEigen;
import org.qpert.core.backend.SymmetricEigen;

/**
 * GPU: the batched Jacobi kernel (and cuSOLVER's syevjBatched where it loads) against the CPU Jacobi on key-moment
 * matrices R = FᵀF, full rank and rank-deficient (few tokens). Eigenvalues within 1e-10·λmax, reconstruction
 * VᵀΛV within 1e-10·max|A|, eigenvectors orthonormal within 1e-10.
 */
class EigenKernelTest {
    private static CudaBackend gpu;
    private final Random rnd = new Random(17);

    @BeforeAll
    static void open() {
        gpu = Gpu.open(Precision.F32, true);
    }

    @AfterAll
    static void close() {
        if (gpu != null) {
            gpu.close();
        }
    }

    private double[] moments(int count, int n, int tokens) {
        double[] a = new double[count * n * n];
        float[] f = new float[tokens * n];
        for (int m = 0; m < count; m++) {
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) rnd.nextGaussian();
            }
            double[] r = KernelReferences.keyMoments(f, tokens, 1, n);
            System.arraycopy(r, 0, a, m * n * n, n * n);
        }
        return a;
    }

    @Test
    void jacobiKernelOnFullAndLowRankMoments() {
        for (int[] c : new int[][] {{64, 200, 96}, {64, 50, 5}, {17, 40, 30}, {88, 10, 120}, {128, 4, 200}, {4, 30, 2}}) {
            int n = c[0], count = c[1], tokens = c[2];
            double[] a = moments(count, n, tokens);
            check("Jacobi kernel n=" + n + " x" + count + " (" + tokens + " tokens)", a, gpu.jacobiEigen(a, count, n),
                    count, n);
        }
    }

    @Test
    void backendPathForSmallGramMatrices() {
        for (int n : new int[] {8, 32}) {
            double[] a = moments(300, n, 64);
            String path = gpu.hasCusolver() ? "cuSOLVER syevjBatched" : "Jacobi kernel (no cuSOLVER)";
            check(path + " n=" + n + " x300", a, gpu.symmetricEigen(a, 300, n), 300, n);
        }
    }

    private static void check(String what, double[] a, SymmetricEigen got, int count, int n) {
        SymmetricEigen want = JacobiEigen.solveBatch(a, count, n);
        double valueErr = 0, reconErr = 0, orthoErr = 0;
        for (int m = 0; m < count; m++) {
            double lmax = Math.max(Math.abs(want.value(m, 0)), 1e-300), amax = 0;
            for (int i = 0; i < n; i++) {
                valueErr = Math.max(valueErr, Math.abs(got.value(m, i) - want.value(m, i)) / lmax);
                assertTrue(i == 0 || got.value(m, i) <= got.value(m, i - 1), what + ": eigenvalues not descending");
            }
            for (int i = 0; i < n * n; i++) {
                amax = Math.max(amax, Math.abs(a[m * n * n + i]));
            }
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0, o = 0;
                    for (int e = 0; e < n; e++) {
                        s += got.vector(m, e, i) * got.value(m, e) * got.vector(m, e, j);
                        o += got.vector(m, i, e) * got.vector(m, j, e);
                    }
                    reconErr = Math.max(reconErr, Math.abs(s - a[(m * n + i) * n + j]) / Math.max(amax, 1e-300));
                    orthoErr = Math.max(orthoErr, Math.abs(o - (i == j ? 1 : 0)));
                }
            }
        }
        System.out.printf("%-50s eigenvalues %.1e, reconstruction %.1e, orthonormality %.1e%n", what, valueErr,
                reconErr, orthoErr);
        assertTrue(valueErr <= 1e-10 && reconErr <= 1e-10 && orthoErr <= 1e-10, what);
    }
}
