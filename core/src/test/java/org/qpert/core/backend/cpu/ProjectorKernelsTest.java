package org.qpert.core.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The float loops of Q-Perturbation's P̄ ({@link Kernels#addOuterProducts}, {@link Kernels#combineRows},
 * {@link Kernels#dot}), Vector API and scalar builds, against sums written out in double here. Sizes cover the
 * four-vector blocks, single vectors and scalar tails of every species (n = 1 … 70). Tolerance: 1e-5 relative to the
 * sum of magnitudes (float32 rounding of up to a few dozen products).
 */
class ProjectorKernelsTest {
    private static final double TOLERANCE = 1e-5;
    private final Random random = new Random(11);

    @Test
    void outerProductsCombinationsAndDotsMatchDoubleSums() {
        for (Kernels kernels : new Kernels[] {Kernels.best(), Kernels.scalar()}) {
            for (int n : new int[] {1, 3, 8, 16, 20, 33, 64, 70}) {
                int count = 1 + random.nextInt(9), stride = n + 5;
                float[] x = randoms(count * stride + 3);
                int[] rows = new int[count];
                float[] w = randoms(count);
                for (int i = 0; i < count; i++) {
                    rows[i] = 3 + (count - 1 - i) * stride;   // rows out of order, at an offset
                }
                float[] p = randoms(n * n + 2), before = p.clone();
                kernels.addOuterProducts(x, rows, w, count, n, p, 2);
                for (int r = 0; r < n; r++) {
                    for (int c = 0; c < n; c++) {
                        double want = before[2 + r * n + c], scale = Math.abs(want);
                        for (int i = 0; i < count; i++) {
                            double t = (double) w[i] * x[rows[i] + r] * x[rows[i] + c];
                            want += t;
                            scale += Math.abs(t);
                        }
                        assertEquals(want, p[2 + r * n + c], TOLERANCE * scale, kernels.describe() + " outer n=" + n);
                    }
                }
                float[] y = randoms(n + 4);
                kernels.combineRows(x, rows, w, count, n, y, 4 % (y.length - n + 1));
                int yOff = 4 % (y.length - n + 1);
                for (int c = 0; c < n; c++) {
                    double want = 0, scale = 0;
                    for (int i = 0; i < count; i++) {
                        want += (double) w[i] * x[rows[i] + c];
                        scale += Math.abs((double) w[i] * x[rows[i] + c]);
                    }
                    assertEquals(want, y[yOff + c], TOLERANCE * scale, kernels.describe() + " combine n=" + n);
                }
                double want = 0, scale = 0;
                for (int c = 0; c < n; c++) {
                    want += (double) x[rows[0] + c] * x[3 + c];
                    scale += Math.abs((double) x[rows[0] + c] * x[3 + c]);
                }
                assertEquals(want, kernels.dot(x, rows[0], x, 3, n), TOLERANCE * scale, kernels.describe() + " dot");
            }
        }
    }

    private float[] randoms(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }
}
