package org.qpert.core.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The CPU backend splits an eigen batch across its workers: results equal the sequential solver bit for bit. */
class ParallelEigenTest {
    @Test
    void splitBatchEqualsSequentialBatch() {
        int n = 24;
        SplittableRandom rnd = new SplittableRandom(7);
        for (int count : new int[] {1, 2, 3, 37}) {
            double[] m = new double[count * n * n];
            for (int k = 0; k < count; k++) {
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j <= i; j++) {
                        double x = rnd.nextGaussian();
                        m[k * n * n + i * n + j] = x;
                        m[k * n * n + j * n + i] = x;
                    }
                }
            }
            SymmetricEigen seq = TridiagonalEigen.solveBatch(m, count, n);
            SymmetricEigen par = new CpuBackend().symmetricEigen(m, count, n);
            assertArrayEquals(seq.values(), par.values(), 0.0, "values, batch of " + count);
            assertArrayEquals(seq.vectors(), par.vectors(), 0.0, "vectors, batch of " + count);
        }
    }
}
