package org.qpert.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.qpert.core.backend.ReferenceCpuBackend;
import org.qpert.core.backend.MeanProjectors;
import org.qpert.core.backend.ProjectorProblem;
import org.qpert.core.backend.ProjectorProblem.CoveredTokens;
import org.qpert.core.backend.ProjectorProblem.EigenPath;
import org.qpert.core.backend.Tensor;

/**
 * GPU: {@link CudaBackend#meanProjectors} (keys on the device) against the host implementation on the real shapes:
 * T = 257, 6 layers × 12 heads × 64, objects covering 5 (Gram, cuSOLVER), 40 (Gram, Jacobi kernel) and 120 tokens
 * (d × d), with and without cuSOLVER. P̄ to 1e-5 of its largest entry; k equal everywhere.
 */
class DeviceMeanProjectorsTest {

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void pbarMatchesTheHostImplementation(boolean vendorLibraries) {
        Random rnd = new Random(17);
        int t = 257, heads = 12, d = 64, layers = 6, width = heads * d;
        ReferenceCpuBackend reference = new ReferenceCpuBackend();
        try (CudaBackend gpu = Gpu.open(Precision.F32, vendorLibraries)) {
            List<Tensor> onReference = new ArrayList<>(), onGpu = new ArrayList<>();
            for (int l = 0; l < layers; l++) {
                float[] k = Gpu.random(rnd, t * width, 1);
                onReference.add(reference.upload(k, t, width));
                onGpu.add(gpu.upload(k, t, width));
            }
            List<CoveredTokens> objects = new ArrayList<>();
            for (int n : new int[] {5, 40, 120, 12}) {
                TreeSet<Integer> chosen = new TreeSet<>();
                while (chosen.size() < n) {
                    chosen.add(1 + rnd.nextInt(t - 1));
                }
                double[] w = new double[n];
                for (int a = 0; a < n; a++) {
                    w[a] = (float) (0.05 + rnd.nextDouble());
                }
                objects.add(new CoveredTokens(chosen.stream().mapToInt(Integer::intValue).toArray(), w, 8));
            }
            ProjectorProblem.BasisRule rule = (values, offset, n) -> {  // energy 0.99, as published
                double total = 0, cumulative = 0;
                for (int i = 0; i < n; i++) {
                    total += values[offset + i];
                }
                int k = 0;
                while (k < n && cumulative / total < 0.99) {
                    cumulative += values[offset + k++];
                }
                return k;
            };
            MeanProjectors want = reference.meanProjectors(new ProjectorProblem(onReference, heads, objects, rule, EigenPath.AUTO));
            MeanProjectors got = gpu.meanProjectors(new ProjectorProblem(onGpu, heads, objects, rule, EigenPath.AUTO));
            assertEquals(layers, got.pbar().size());
            for (int l = 0; l < layers; l++) {
                Gpu.check("device P̄ layer " + l + " (" + gpu.paths().replaceAll(".*eigen: ", "") + ")",
                        Gpu.relativeError(gpu.download(got.pbar().get(l)), reference.download(want.pbar().get(l))), 1e-5);
            }
            for (int j = 0; j < objects.size(); j++) {
                for (int l = 0; l < layers; l++) {
                    assertArrayEquals(want.basisCounts()[j][l], got.basisCounts()[j][l], "k of object " + j);
                }
            }
        }
    }
}
