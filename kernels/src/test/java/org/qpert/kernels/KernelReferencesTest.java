package org.qpert.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;
import org.qpert.core.backend.CpuBackend;
import org.qpert.core.backend.HostMeanProjectors;
import org.qpert.core.backend.JacobiEigen;
import org.qpert.core.backend.MeanProjectors;
import org.qpert.core.backend.ProjectorProblem;
import org.qpert.core.backend.ProjectorProblem.CoveredTokens;
import org.qpert.core.backend.ProjectorProblem.EigenPath;
import org.qpert.core.backend.SymmetricEigen;
import org.qpert.core.backend.Tensor;

/** Runs everywhere: the test-side references the GPU tests rely on, against the spec's values and core's host path. */
class KernelReferencesTest {
    /** spec §8: keys of 5 tokens (d = 4), weights (0, 1, 0.5, 1, 0) → eigenvalues 10.846115, 5.077339, 0.576545, 0. */
    @Test
    void momentsAndGramOfTheSpecToyCheck() {
        float[] keys = {0, 0, 0, 0, 1, 2, 0, 0, 2, 1, 0, 1, 0, 1, 3, 0, 5, 5, 5, 5};
        float[] w = {0, 1, 0.5f, 1, 0};
        float[] f = KernelReferences.weightedKeys(keys, w, 4);
        SymmetricEigen r = JacobiEigen.solveBatch(KernelReferences.keyMoments(f, 3, 1, 4), 1, 4);
        double[] want = {10.846115, 5.077339, 0.576545, 0};
        for (int i = 0; i < 4; i++) {
            assertEquals(want[i], r.value(0, i), 1e-6);
        }
        SymmetricEigen g = JacobiEigen.solveBatch(KernelReferences.keyGram(f, 3, 1, 4, 5), 1, 5);
        for (int i = 0; i < 3; i++) {
            assertEquals(want[i], g.value(0, i), 1e-6, "the Gram shortcut has the same non-zero spectrum");
        }
    }

    /**
     * The device pipeline of P̄ (DeviceMeanProjectors: weighted keys in float32, moments or Gram matrices in double,
     * one eigen batch per group, gram_vectors, accumulate_projectors) rebuilt from the references above equals core's
     * host implementation ({@link HostMeanProjectors}, through {@link CpuBackend#meanProjectors}) on random keys with
     * objects of both kinds.
     */
    @Test
    void devicePipelineOfPbarEqualsTheHostImplementation() {
        Random rnd = new Random(13);
        int t = 40, heads = 2, d = 8, layers = 2, width = heads * d;
        CpuBackend cpu = new CpuBackend();
        float[][] keys = new float[layers][];
        List<Tensor> keyTensors = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            keys[l] = Gpu.random(rnd, t * width, 1);
            keyTensors.add(cpu.upload(keys[l], t, width));
        }
        List<CoveredTokens> objects = new ArrayList<>();
        for (int n : new int[] {3, 12, 5, 20}) {  // 3 and 5 tokens: Gram problems; 12 and 20: d × d
            TreeSet<Integer> chosen = new TreeSet<>();
            while (chosen.size() < n) {
                chosen.add(1 + rnd.nextInt(t - 1));
            }
            double[] w = new double[n];
            for (int a = 0; a < n; a++) {
                w[a] = (float) (0.1 + rnd.nextDouble());
            }
            objects.add(new CoveredTokens(chosen.stream().mapToInt(Integer::intValue).toArray(), w,
                    1 + rnd.nextDouble()));
        }
        ProjectorProblem.BasisRule rule = (values, offset, n) -> {  // energy 0.9
            double total = 0, cumulative = 0;
            for (int i = 0; i < n; i++) {
                total += values[offset + i];
            }
            int k = 0;
            while (k < n && cumulative / total < 0.9) {
                cumulative += values[offset + k++];
            }
            return k;
        };
        ProjectorProblem problem = new ProjectorProblem(keyTensors, heads, objects, rule, EigenPath.AUTO);
        MeanProjectors host = cpu.meanProjectors(problem);

        double[] sums = new double[layers * heads * d * d];
        int[][][] counts = new int[objects.size()][layers][heads];
        for (boolean gram : new boolean[] {false, true}) {
            List<Integer> members = new ArrayList<>();
            for (int j = 0; j < objects.size(); j++) {
                if (problem.usesGram(objects.get(j)) == gram) {
                    members.add(j);
                }
            }
            int n = members.size(), order = gram ? 5 : d;
            float[][][] f = new float[layers][n][];
            double[] matrices = new double[layers * n * heads * order * order];
            for (int l = 0; l < layers; l++) {
                for (int j = 0; j < n; j++) {
                    CoveredTokens o = objects.get(members.get(j));
                    float[] w = new float[t];
                    for (int a = 0; a < o.count(); a++) {
                        w[o.tokens()[a]] = (float) o.weights()[a];
                    }
                    f[l][j] = KernelReferences.weightedKeys(keys[l], w, width);
                    double[] m = gram ? KernelReferences.keyGram(f[l][j], o.count(), heads, d, order)
                            : KernelReferences.keyMoments(f[l][j], o.count(), heads, d);
                    System.arraycopy(m, 0, matrices, (l * n + j) * heads * order * order, m.length);
                }
            }
            SymmetricEigen eig = JacobiEigen.solveBatch(matrices, layers * n * heads, order);
            for (int p = 0; p < layers * n * heads; p++) {
                int h = p % heads, j = p / heads % n, l = p / (heads * n);
                CoveredTokens o = objects.get(members.get(j));
                int kept = rule.keep(eig.values(), p * order, order);
                counts[members.get(j)][l][h] = kept;
                double[] basis = gram
                        ? KernelReferences.gramVectors(eig.vectors(), p * order * order, order, f[l][j], o.count(),
                                heads, d, h, kept)
                        : Arrays.copyOfRange(eig.vectors(), p * d * d, (p + 1) * d * d);
                KernelReferences.accumulateProjector(sums, (l * heads + h) * d * d, basis, 0, kept,
                        o.weight() / objects.size(), d);
            }
        }
        for (int l = 0; l < layers; l++) {
            float[] want = cpu.download(host.pbar().get(l));
            float[] got = new float[want.length];
            for (int e = 0; e < got.length; e++) {
                int h = e / (d * d), r = e / d % d, c = e % d;
                got[e] = (float) sums[(l * heads + h) * d * d + Math.min(r, c) * d + Math.max(r, c)];
            }
            Gpu.check("device pipeline reference vs host P̄, layer " + l, Gpu.relativeError(got, want), 1e-6);
        }
        assertTrue(Arrays.deepEquals(counts, host.basisCounts()), "the same k everywhere");
    }
}
