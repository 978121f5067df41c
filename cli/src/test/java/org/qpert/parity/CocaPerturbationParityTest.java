package org.qpert.parity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.qpert.cli.PerturbationCase;
import org.qpert.core.backend.CpuBackend;
import org.qpert.core.model.coca.CocaRetrieval;
import org.qpert.core.parity.CocaPerturbationParityRun;
import org.qpert.core.parity.Comparison;
import org.qpert.core.parity.ReferenceTensor;
import org.qpert.loaders.safetensors.DType;
import org.qpert.loaders.safetensors.SafetensorsFile;

/**
 * Q-Perturbation on CoCa's attentional pooler against the independent PyTorch implementation of the spec
 * (testdata/parity/tiny-coca/qpert-*): token weights through open_clip's resize and centre crop and k per head exactly
 * (a box in the cropped-away band and a 1-pixel box are left out with k = 0; the box-free image stays unperturbed),
 * object weights and areas and the pooler keys within 1e-5, P̄ and every perturbed output within 1e-4.
 */
class CocaPerturbationParityTest {

    @TestFactory
    Stream<DynamicTest> bothCases() throws IOException {
        CocaRetrieval model = TinyCoca.load("model.safetensors", new CpuBackend());
        int[][] texts;
        try (SafetensorsFile a = SafetensorsFile.open(TinyCoca.DIR.resolve("activations.safetensors"))) {
            long[] flat = a.readLongs("inputs/text");
            int n = 4, c = flat.length / n;
            texts = new int[n][c];
            for (int t = 0; t < n; t++) {
                for (int j = 0; j < c; j++) {
                    texts[t][j] = Math.toIntExact(flat[t * c + j]);
                }
            }
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : List.of("qpert-constant-a8-t0.99", "qpert-normarea-a4-k2")) {
            Path dir = TinyCoca.DIR.resolve(name);
            PerturbationCase c = PerturbationCase.read(dir);
            try (SafetensorsFile f = SafetensorsFile.open(dir.resolve("qpert.safetensors"))) {
                float[] all = f.readFloats("inputs/pixel_values");
                int ni = c.sizes().length;
                float[][] pixels = new float[ni][];
                for (int i = 0; i < ni; i++) {
                    pixels[i] = Arrays.copyOfRange(all, i * all.length / ni, (i + 1) * all.length / ni);
                }
                Map<String, float[]> got = CocaPerturbationParityRun.compute(model, pixels, c.sizes(), c.boxes(),
                        c.settings(), texts);
                for (var t : f.tensors()) {
                    String key = t.name();
                    if (key.startsWith("inputs/") || key.equals("objects/image_index")) {
                        continue;
                    }
                    float[] want = t.dtype() == DType.I64 ? floats(f.readLongs(key)) : f.readFloats(key);
                    tests.add(DynamicTest.dynamicTest(name + " " + key, () -> check(key, got.get(key), want)));
                }
            }
        }
        assertTrue(tests.size() >= 20, tests.size() + " comparisons");
        return tests.stream();
    }

    private static void check(String key, float[] got, float[] want) {
        assertTrue(got != null, key + " not computed");
        if (key.equals("objects/k") || key.equals("objects/token_weights")) {
            assertArrayEquals(want, got, 0f, key);
            return;
        }
        double tolerance = key.startsWith("objects/") || key.equals("pooler/keys") || key.startsWith("unperturbed/")
                ? 1e-5 : 1e-4;
        Comparison c = Comparison.of(key, got, new ReferenceTensor(new long[] {want.length}, want));
        assertTrue(c.within(tolerance), key + ": relative error " + c.relativeError() + " > " + tolerance);
    }

    private static float[] floats(long[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }
}
