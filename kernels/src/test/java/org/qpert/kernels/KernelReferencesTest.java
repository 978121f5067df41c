package org.qpert.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.qpert.core.backend.CpuBackend;
import org.qpert.core.backend.JacobiEigen;
import org.qpert.core.backend.SymmetricEigen;
import org.qpert.core.backend.Tensor;

/** Runs everywhere: the test-side references the GPU tests rely on, against the fixtures and the spec's values. */
class KernelReferencesTest {
    private static final Path TOKEN_WEIGHTS = Path.of("../testdata/parity/inputs/token_weights.json");

    @Test
    void tokenWeightsMatchTheFixture() throws IOException {
        JsonArray cases;
        try (Reader r = Files.newBufferedReader(TOKEN_WEIGHTS)) {
            cases = JsonParser.parseReader(r).getAsJsonArray();
        }
        int exact = 0;
        for (JsonElement e : cases) {
            JsonObject c = e.getAsJsonObject();
            JsonArray box = c.getAsJsonArray("box_xyxy"), want = c.getAsJsonArray("weights");
            int p = c.get("patch").getAsInt();
            float[] got = KernelReferences.tokenWeights(box.get(0).getAsFloat(), box.get(1).getAsFloat(),
                    box.get(2).getAsFloat(), box.get(3).getAsFloat(), c.get("height").getAsInt(),
                    c.get("width").getAsInt(), c.get("image_size").getAsInt(), p);
            assertEquals(want.size(), got.length);
            double worst = 0;
            for (int t = 0; t < got.length; t++) {
                worst = Math.max(worst, Math.abs(got[t] - want.get(t).getAsDouble()));
            }
            // spec §3: where a float32 source coordinate is an exact integer one resized row may differ: ≤ p/p² per patch
            assertTrue(worst <= 1.0 / p + 1e-6, "case " + c + ": " + worst);
            exact += worst <= 1e-6 ? 1 : 0;
        }
        System.out.println("token weights: " + exact + " of " + cases.size() + " fixture cases exact");
        assertTrue(exact >= cases.size() - 2, exact + " of " + cases.size() + " exact");
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
