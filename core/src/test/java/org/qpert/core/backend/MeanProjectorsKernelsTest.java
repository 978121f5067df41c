package org.qpert.core.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.qpert.core.backend.ProjectorProblem.CoveredTokens;
import org.qpert.core.backend.ProjectorProblem.EigenPath;

/**
 * The CPU backend's P̄ (Vector API float loops, tridiagonal QL) against the reference backend's (scalar float loops,
 * Jacobi), on random keys with objects on both the Gram and the second-moment path, head sizes that leave vector
 * tails (d = 20, 36). Tolerance 1e-5 absolute on P̄ (entries of a mean of projectors, at most 1; float32 sums of up
 * to ~100 terms), k exact.
 */
class MeanProjectorsKernelsTest {
    private static final float TOLERANCE = 1e-5f;

    @Test
    void cpuBackendMatchesTheReferenceBackend() {
        Random random = new Random(5);
        for (int d : new int[] {20, 36}) {
            int heads = 2, tokens = 3 * d;
            List<Tensor> cpuKeys = new ArrayList<>(), refKeys = new ArrayList<>();
            Backend cpu = new CpuBackend(), ref = new ReferenceCpuBackend();
            for (int l = 0; l < 2; l++) {
                float[] k = new float[tokens * heads * d];
                for (int i = 0; i < k.length; i++) {
                    k[i] = (float) random.nextGaussian();
                }
                cpuKeys.add(cpu.upload(k, tokens, heads * d));
                refKeys.add(ref.upload(k, tokens, heads * d));
            }
            List<CoveredTokens> objects = List.of(object(random, tokens, 3), object(random, tokens, d / 2),
                    object(random, tokens, 2 * d));
            ProjectorProblem.BasisRule rule = (values, offset, n) -> {
                double total = 0, sum = 0;
                for (int i = 0; i < n; i++) {
                    total += Math.max(0, values[offset + i]);
                }
                for (int i = 0; i < n; i++) {
                    sum += values[offset + i];
                    if (sum >= 0.9 * total) {
                        return i + 1;
                    }
                }
                return n;
            };
            MeanProjectors got = cpu.meanProjectors(new ProjectorProblem(cpuKeys, heads, objects, rule,
                    EigenPath.AUTO));
            MeanProjectors want = ref.meanProjectors(new ProjectorProblem(refKeys, heads, objects, rule,
                    EigenPath.AUTO));
            for (int l = 0; l < 2; l++) {
                assertArrayEquals(ref.download(want.pbar().get(l)), cpu.download(got.pbar().get(l)), TOLERANCE,
                        "P̄ of layer " + l + ", d = " + d);
                for (int j = 0; j < objects.size(); j++) {
                    assertArrayEquals(want.basisCounts()[j][l], got.basisCounts()[j][l], "k, object " + j);
                }
            }
            assertEquals(true, got.basisCounts()[2][0][0] > 1, "the test needs objects that keep several vectors");
        }
    }

    private static CoveredTokens object(Random random, int tokens, int count) {
        int[] t = random.ints(0, tokens).distinct().limit(count).sorted().toArray();
        double[] w = new double[count];
        for (int a = 0; a < count; a++) {
            w[a] = 0.2 + random.nextDouble();
        }
        return new CoveredTokens(t, w, 0.5 + random.nextDouble());
    }
}
