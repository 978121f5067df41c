package org.qpert.parity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.qpert.core.backend.CpuBackend;
import org.qpert.core.model.ActivationSink;
import org.qpert.core.model.QueryPerturbation;
import org.qpert.core.model.internvl.InternvlRetrieval;
import org.qpert.core.model.internvl.InternvlVariant;
import org.qpert.core.parity.Comparison;
import org.qpert.core.parity.InternvlParityRun;
import org.qpert.core.parity.ReferenceTensor;
import org.qpert.loaders.safetensors.DType;
import org.qpert.loaders.safetensors.SafetensorsFile;

/**
 * Every stage of the tiny InternVL (InternViT, clip_projector, QLLaMA's image and text passes, clip_projector2) against
 * the PyTorch export of OpenGVLab's code (testdata/parity/tiny-internvl): relative error max|a−b| / max(1, max|b|) ≤
 * 1e-5 (spec/INTERNVL.md §6; the fixture's values are of order 1, so this is the relative error of the other
 * families' tests) on every activation, both variants' features and logits with F32 weights, and on the features and
 * logits with F16 and BF16 weights; the pooling index exactly.
 */
class InternvlParityTest {
    static final double TOLERANCE = 1e-5;
    static SafetensorsFile activations;
    static float[][] pixels;
    static int[][] ids;

    @BeforeAll
    static void read() throws IOException {
        activations = SafetensorsFile.open(TinyInternvl.DIR.resolve("activations.safetensors"));
        float[] px = activations.readFloats("inputs/pixel_values");
        int ni = Math.toIntExact(activations.info("inputs/pixel_values").shape()[0]);
        pixels = new float[ni][];
        for (int i = 0; i < ni; i++) {
            pixels[i] = Arrays.copyOfRange(px, i * px.length / ni, (i + 1) * px.length / ni);
        }
        ids = tokenRows(activations);
    }

    static int[][] tokenRows(SafetensorsFile f) {
        long[] shape = f.info("inputs/input_ids").shape();
        long[] flat = f.readLongs("inputs/input_ids");
        int n = Math.toIntExact(shape[0]), c = Math.toIntExact(shape[1]);
        int[][] out = new int[n][c];
        for (int t = 0; t < n; t++) {
            for (int j = 0; j < c; j++) {
                out[t][j] = Math.toIntExact(flat[t * c + j]);
            }
        }
        return out;
    }

    @AfterAll
    static void close() {
        activations.close();
    }

    static float[] values(SafetensorsFile f, String key) {
        if (f.info(key).dtype() == DType.I64) {
            long[] v = f.readLongs(key);
            float[] out = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                out[i] = v[i];
            }
            return out;
        }
        return f.readFloats(key);
    }

    /** spec/INTERNVL.md §6: max|a − b| / max(1, max|b|). */
    static double error(float[] got, float[] want) {
        Comparison c = Comparison.of("x", got, new ReferenceTensor(new long[] {want.length}, want));
        double maxRef = 0;
        for (float w : want) {
            maxRef = Math.max(maxRef, Math.abs(w));
        }
        return c.maxAbsError() / Math.max(1, maxRef);
    }

    @TestFactory
    Stream<DynamicTest> f32StageByStage() {
        return stages("model.safetensors", "");
    }

    @TestFactory
    Stream<DynamicTest> f16WeightsFeatures() {
        return stages("model-f16.safetensors", "f16w/");
    }

    @TestFactory
    Stream<DynamicTest> bf16WeightsFeatures() {
        return stages("model-bf16.safetensors", "bf16w/");
    }

    private Stream<DynamicTest> stages(String weights, String prefix) {
        CpuBackend b = new CpuBackend();
        Map<String, float[]> computed = InternvlParityRun.compute(TinyInternvl.load(weights, InternvlVariant.C, b),
                TinyInternvl.load(weights, InternvlVariant.G, b), pixels, ids, prefix);
        List<DynamicTest> tests = new ArrayList<>();
        for (var t : activations.tensors()) {
            String key = t.name();
            boolean mine = prefix.isEmpty() ? !key.startsWith("f16w/") && !key.startsWith("bf16w/")
                    : key.startsWith(prefix);
            if (!mine || key.startsWith("inputs/")) {
                continue;
            }
            tests.add(DynamicTest.dynamicTest(key, () -> {
                float[] got = computed.get(key);
                assertTrue(got != null, key + " not computed");
                float[] want = values(activations, key);
                if (key.endsWith("pool_index")) {
                    assertArrayEquals(want, got, 0f, key);
                    return;
                }
                double e = error(got, want);
                assertTrue(e <= TOLERANCE, key + ": error " + e + " > " + TOLERANCE);
            }));
        }
        assertTrue(tests.size() >= (prefix.isEmpty() ? 40 : 5), tests.size() + " keys compared");
        return tests.stream();
    }

    /** Images in one batch give what each gives alone, bit for bit, for both variants. */
    @Test
    void aBatchEqualsEachImageAlone() {
        for (InternvlVariant v : InternvlVariant.values()) {
            InternvlRetrieval model = TinyInternvl.load("model.safetensors", v, new CpuBackend());
            List<float[]> batch = model.imageFeatures(model.encodeImages(List.of(pixels)),
                    List.of(QueryPerturbation.NONE, QueryPerturbation.NONE));
            for (int i = 0; i < pixels.length; i++) {
                float[] alone = model.imageFeatures(model.encodeImages(List.of(pixels[i])),
                        List.of(QueryPerturbation.NONE)).get(0);
                assertArrayEquals(alone, batch.get(i), 0f, v + " image " + i);
            }
            assertEquals(2, batch.size());
        }
    }

    /** The short text pass (rows up to the EOS only) gives the reference's features of the padded row. */
    @Test
    void theShortTextPassMatchesTheReference() {
        InternvlRetrieval model = TinyInternvl.load("model.safetensors", InternvlVariant.C, new CpuBackend());
        float[] ref = activations.readFloats("text_features");
        List<float[]> got = model.textFeatures(Arrays.asList(ids), ActivationSink.NONE);
        int e = model.config().embedDim();
        for (int t = 0; t < ids.length; t++) {
            float[] want = Arrays.copyOfRange(ref, t * e, (t + 1) * e);
            double norm = 0;
            for (float x : want) {
                norm += (double) x * x;
            }
            float[] normalized = new float[e];
            for (int k = 0; k < e; k++) {
                normalized[k] = (float) (want[k] / Math.sqrt(norm));
            }
            assertTrue(error(got.get(t), normalized) <= TOLERANCE, "text " + t);
        }
    }

    /** InternVL-C loads no QLLaMA image-pass weights and has only the pooling site; G has both kinds. */
    @Test
    void theCardsNameEachVariantsSites() {
        CpuBackend b = new CpuBackend();
        InternvlRetrieval c = TinyInternvl.load("model.safetensors", InternvlVariant.C, b);
        InternvlRetrieval g = TinyInternvl.load("model.safetensors", InternvlVariant.G, b);
        assertEquals("clip_projector:4x12", c.card().describeSites());
        assertEquals("qllama.model.layers.0.cross_attn:5x8,qllama.model.layers.2.cross_attn:5x8,clip_projector:4x12",
                g.card().describeSites());
        assertEquals(4, g.poolSite());
        assertEquals("InternVL-G", g.card().title());
    }

    /** F16 weights move the features by more than the tolerance, so the f16w/ comparison means something. */
    @Test
    void roundedWeightsChangeTheResult() {
        assertTrue(error(activations.readFloats("f16w/image_features/G"), activations.readFloats("image_features/G"))
                > TOLERANCE);
    }
}
