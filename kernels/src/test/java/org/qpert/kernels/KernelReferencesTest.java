package org.qpert.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
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
import org.qpert.core.qpert.Box;
import org.qpert.core.qpert.CoverageMode;
import org.qpert.core.qpert.TokenCoverage;

/** Runs everywhere: the test-side references the GPU tests rely on, against the fixtures and the spec's values. */
class KernelReferencesTest {
    private static final Path TOKEN_WEIGHTS = Path.of("../testdata/parity/inputs/token_weights.json");

    /**
     * The kernel's rule is core's: on every valid fixture case, and on random boxes (fractional, reaching beyond the
     * image, thinner than the downscale factor), the reference equals {@link TokenCoverage} bit for bit.
     */
    @Test
    void tokenWeightsEqualCoreTokenCoverage() throws IOException {
        JsonArray cases;
        try (Reader r = Files.newBufferedReader(TOKEN_WEIGHTS)) {
            cases = JsonParser.parseReader(r).getAsJsonArray();
        }
        int compared = 0;
        for (JsonElement e : cases) {
            JsonObject c = e.getAsJsonObject();
            JsonArray box = c.getAsJsonArray("box_xyxy");
            double x0 = box.get(0).getAsDouble(), y0 = box.get(1).getAsDouble();
            double x1 = box.get(2).getAsDouble(), y1 = box.get(3).getAsDouble();
            if (x1 <= x0 || y1 <= y0) {
                continue;  // rejected by Box (TokenCoverageTest checks that)
            }
            int h = c.get("height").getAsInt(), w = c.get("width").getAsInt();
            int s = c.get("image_size").getAsInt(), p = c.get("patch").getAsInt();
            assertArrayEquals(TokenCoverage.weights(new Box(x0, y0, x1, y1), h, w, s, p, CoverageMode.MASK_RESIZE),
                    KernelReferences.tokenWeights(x0, y0, x1, y1, h, w, s, p), "case " + c.get("box_xyxy"));
            compared++;
        }
        assertTrue(compared >= 190, "valid fixture cases compared: " + compared);
        Random rnd = new Random(5);
        for (int i = 0; i < 2000; i++) {
            int h = 20 + rnd.nextInt(900), w = 20 + rnd.nextInt(900), s = rnd.nextBoolean() ? 224 : 364;
            double x0 = rnd.nextDouble() * w * 1.1 - 0.05 * w, y0 = rnd.nextDouble() * h * 1.1 - 0.05 * h;
            double x1 = x0 + 0.1 + rnd.nextDouble() * w * (rnd.nextBoolean() ? 0.05 : 0.7);
            double y1 = y0 + 0.1 + rnd.nextDouble() * h * (rnd.nextBoolean() ? 0.05 : 0.7);
            if (Math.min(x1, w) <= Math.max(x0, 0) || Math.min(y1, h) <= Math.max(y0, 0)) {
                continue;  // outside the image: Box.clipTo rejects it on both sides
            }
            assertArrayEquals(TokenCoverage.weights(new Box(x0, y0, x1, y1), h, w, s, 14, CoverageMode.MASK_RESIZE),
                    KernelReferences.tokenWeights(x0, y0, x1, y1, h, w, s, 14),
                    "box " + x0 + ", " + y0 + ", " + x1 + ", " + y1 + " on " + h + "x" + w + " at " + s);
        }
    }

    @Test
    void tokenWeightsOfTheSpecExample() {
        float[] w364 = KernelReferences.tokenWeights(20, 150, 370, 220, 400, 400, 364, 14);
        float[] w224 = KernelReferences.tokenWeights(20, 150, 370, 220, 400, 400, 224, 14);
        assertEquals(144, nonZero(w364));
        assertEquals(105.790817, sum(w364), 1e-5);
        assertEquals(45, nonZero(w224));
        assertEquals(39.0, sum(w224), 1e-5);
        assertEquals(0f, w364[0], "CLS never counts");
    }

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

    @Test
    void foldedQueryWeightIsThePerturbationOfItsColumns() {
        Random rnd = new Random(7);
        int heads = 3, d = 4, in = 5;
        float[] wq = Gpu.random(rnd, heads * d * in, 1), pbar = Gpu.random(rnd, heads * d * d, 0.3);
        CpuBackend cpu = new CpuBackend();
        Tensor perturbed = cpu.perturbQueries(cpu.upload(KernelReferences.transpose(wq, heads * d, in), in, heads * d),
                cpu.upload(pbar, heads * d, d), heads);
        assertArrayEquals(KernelReferences.transpose(cpu.download(perturbed), in, heads * d),
                KernelReferences.foldQueryWeight(wq, pbar, heads, d, in), 1e-6f);
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

    private static int nonZero(float[] w) {
        int n = 0;
        for (float x : w) {
            n += x > 0 ? 1 : 0;
        }
        return n;
    }

    private static double sum(float[] w) {
        double s = 0;
        for (float x : w) {
            s += x;
        }
        return s;
    }
}
