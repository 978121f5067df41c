package org.qpert.parity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.qpert.cli.PerturbationCase;
import org.qpert.core.backend.CpuBackend;
import org.qpert.core.model.internvl.InternvlVariant;
import org.qpert.core.parity.InternvlPerturbationParityRun;
import org.qpert.loaders.safetensors.SafetensorsFile;

/**
 * Q-Perturbation on InternVL at both insertion points (QLLaMA's cross-attention layers, the pooling block's single
 * query) against the independent PyTorch implementation of the spec (testdata/parity/tiny-internvl/qpert.*): token
 * weights and k per object, layer and head exactly (the 1-pixel box is left out with k = 0; image 1 has no boxes and
 * stays unperturbed); object weights, areas and the unperturbed logits within 1e-5; P̄ and every perturbed tensor,
 * InternVL-G's "QLLaMA only" variant included, within 1e-4 (error max|a − b| / max(1, max|b|), spec/INTERNVL.md §6).
 * F16 and BF16 files: {@link #sixteenBitWeights}.
 */
class InternvlPerturbationParityTest {

    static Map<String, float[]> compute(String weights) throws IOException {
        CpuBackend b = new CpuBackend();
        PerturbationCase c = PerturbationCase.read(TinyInternvl.DIR);
        try (SafetensorsFile a = SafetensorsFile.open(TinyInternvl.DIR.resolve("activations.safetensors"))) {
            float[] px = a.readFloats("inputs/pixel_values");
            int ni = c.sizes().length;
            float[][] pixels = new float[ni][];
            for (int i = 0; i < ni; i++) {
                pixels[i] = Arrays.copyOfRange(px, i * px.length / ni, (i + 1) * px.length / ni);
            }
            return InternvlPerturbationParityRun.compute(TinyInternvl.load(weights, InternvlVariant.C, b),
                    TinyInternvl.load(weights, InternvlVariant.G, b), pixels, c.sizes(), c.boxes(), c.settings(),
                    InternvlParityTest.tokenRows(a));
        }
    }

    @TestFactory
    Stream<DynamicTest> everyPerturbedTensor() throws IOException {
        Map<String, float[]> got = compute("model.safetensors");
        List<DynamicTest> tests = new ArrayList<>();
        try (SafetensorsFile f = SafetensorsFile.open(TinyInternvl.DIR.resolve("qpert.safetensors"))) {
            for (var t : f.tensors()) {
                String key = t.name();
                if (key.startsWith("inputs/") || key.equals("objects/image_index")) {
                    continue;
                }
                float[] want = InternvlParityTest.values(f, key);
                tests.add(DynamicTest.dynamicTest(key, () -> check(key, got.get(key), want)));
            }
        }
        assertTrue(tests.size() >= 24, tests.size() + " comparisons");
        return tests.stream();
    }

    private static void check(String key, float[] got, float[] want) {
        assertTrue(got != null, key + " not computed");
        if (key.startsWith("objects/k") || key.equals("objects/token_weights")) {
            assertArrayEquals(want, got, 0f, key);
            return;
        }
        double tolerance = key.startsWith("objects/") || key.endsWith("_unperturbed") ? 1e-5 : 1e-4;
        double e = InternvlParityTest.error(got, want);
        assertTrue(e <= tolerance, key + ": error " + e + " > " + tolerance);
    }

    /**
     * With F16 and BF16 files (the fixture has 16-bit references of the unperturbed outputs only): token weights and k
     * exactly as with F32 (no eigenproblem crosses τ), the unperturbed logits within 1e-5 of the export's
     * {@code f16w/}, {@code bf16w/} logits, and the perturbed features and logits within twice the export's own
     * distance between its 16-bit and F32 unperturbed outputs of the F32 perturbed reference.
     */
    @ParameterizedTest
    @CsvSource({"model-f16.safetensors, f16w/", "model-bf16.safetensors, bf16w/"})
    void sixteenBitWeights(String weights, String prefix) throws IOException {
        Map<String, float[]> got = compute(weights);
        try (SafetensorsFile f = SafetensorsFile.open(TinyInternvl.DIR.resolve("qpert.safetensors"));
             SafetensorsFile a = SafetensorsFile.open(TinyInternvl.DIR.resolve("activations.safetensors"))) {
            for (String key : List.of("objects/token_weights", "objects/k_g", "objects/k_pool")) {
                assertArrayEquals(InternvlParityTest.values(f, key), got.get(key), 0f, prefix + key);
            }
            for (String v : List.of("C", "G")) {
                String key = "logits_per_image/" + v;
                double e = InternvlParityTest.error(got.get(key + "_unperturbed"), a.readFloats(prefix + key));
                assertTrue(e <= 1e-5, prefix + key + " unperturbed: error " + e + " > 1e-5");
            }
            for (String out : List.of("image_features/", "logits_per_image/")) {
                for (String v : List.of("C", "G", "G_qllama_only")) {
                    String plain = out + v.substring(0, 1);
                    double rounding = InternvlParityTest.error(a.readFloats(prefix + plain), a.readFloats(plain));
                    double e = InternvlParityTest.error(got.get(out + v), f.readFloats(out + v));
                    assertTrue(e <= 2 * rounding, prefix + out + v + ": error " + e + " > 2 x " + rounding);
                }
            }
        }
    }

    /** The perturbation moves InternVL-G's logits by far more than the tolerance, so the comparison means something. */
    @Test
    void thePerturbationChangesTheLogits() throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(TinyInternvl.DIR.resolve("qpert.safetensors"))) {
            assertTrue(InternvlParityTest.error(f.readFloats("logits_per_image/G"),
                    f.readFloats("logits_per_image/G_unperturbed")) > 1e-3);
        }
    }
}
