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
import org.qpert.core.model.QueryPerturbation;
import org.qpert.core.model.coca.CocaImage;
import org.qpert.core.model.coca.CocaRetrieval;
import org.qpert.core.parity.CocaParityRun;
import org.qpert.core.parity.Comparison;
import org.qpert.core.parity.ReferenceTensor;
import org.qpert.loaders.safetensors.SafetensorsFile;

/**
 * Every stage of the tiny open_clip CoCa against the PyTorch export (testdata/parity/tiny-coca): relative error
 * max|a−b| / max|b| ≤ 1e-5 on every activation, the features and the logits with F32 weights, and on the features
 * with F16 and BF16 weights; the text tower's additive mask exactly; the e2e images' features from their pixels.
 */
class CocaParityTest {
    static final double TOLERANCE = 1e-5;
    static SafetensorsFile activations;
    static float[][] pixels;
    static int[][] ids;

    @BeforeAll
    static void read() throws IOException {
        activations = SafetensorsFile.open(TinyCoca.DIR.resolve("activations.safetensors"));
        pixels = rows(activations.readFloats("inputs/pixel_values"), 3);
        long[] text = activations.readLongs("inputs/text");
        int n = 4, c = text.length / n;
        ids = new int[n][c];
        for (int t = 0; t < n; t++) {
            for (int j = 0; j < c; j++) {
                ids[t][j] = Math.toIntExact(text[t * c + j]);
            }
        }
    }

    @AfterAll
    static void close() {
        activations.close();
    }

    static float[][] rows(float[] all, int n) {
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            out[i] = Arrays.copyOfRange(all, i * all.length / n, (i + 1) * all.length / n);
        }
        return out;
    }

    static ReferenceTensor reference(String key) {
        return new ReferenceTensor(activations.info(key).shape(), activations.readFloats(key));
    }

    /** Keys the port does not compute: the caption decoder (not needed for retrieval) and the conv output alone. */
    static boolean notComputed(String key) {
        return key.startsWith("decoder/") || key.equals("vision/conv1") || key.startsWith("e2e/")
                || key.startsWith("inputs/");
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
        CocaRetrieval model = TinyCoca.load(weights, new CpuBackend());
        Map<String, float[]> computed = CocaParityRun.compute(model, pixels, ids, prefix);
        List<DynamicTest> tests = new ArrayList<>();
        for (var t : activations.tensors()) {
            String key = t.name();
            boolean mine = prefix.isEmpty() ? !key.startsWith("f16w/") && !key.startsWith("bf16w/")
                    : key.startsWith(prefix);
            if (!mine || notComputed(key) || key.equals("text/attn_mask")) {
                continue;
            }
            tests.add(DynamicTest.dynamicTest(key, () -> {
                float[] got = computed.get(key);
                assertTrue(got != null, key + " not computed");
                Comparison c = Comparison.of(key, got, reference(key));
                assertTrue(c.within(TOLERANCE), key + " " + c.shape() + ": relative error " + c.relativeError()
                        + " > " + TOLERANCE);
            }));
        }
        assertTrue(tests.size() >= (prefix.isEmpty() ? 20 : 2), tests.size() + " keys compared");
        return tests.stream();
    }

    /** The additive mask, causal plus the shifted padding columns by id, exactly (−∞ where closed). */
    @Test
    void theTextMaskExactly() {
        CocaRetrieval model = TinyCoca.load("model.safetensors", new CpuBackend());
        float[] got = CocaParityRun.compute(model, pixels, ids, "").get("text/attn_mask");
        assertArrayEquals(activations.readFloats("text/attn_mask"), got, 0f);
    }

    /** The shortened text pass (only the rows the cls row sees) gives the features of the full one. */
    @Test
    void theShortTextPassMatchesTheReference() {
        CocaRetrieval model = TinyCoca.load("model.safetensors", new CpuBackend());
        float[] ref = activations.readFloats("text_features");
        int e = model.config().embedDim();
        for (int t = 0; t < ids.length; t++) {
            float[] got = model.textFeatures(List.of(ids[t]), org.qpert.core.model.ActivationSink.NONE).get(0);
            Comparison c = Comparison.of("text " + t, got, new ReferenceTensor(new long[] {e},
                    Arrays.copyOfRange(ref, t * e, (t + 1) * e)));
            assertTrue(c.within(TOLERANCE), c.key() + ": " + c.relativeError());
        }
    }

    @Test
    void endToEndImagesFromTheirPixels() {
        CocaRetrieval model = TinyCoca.load("model.safetensors", new CpuBackend());
        for (String name : List.of("gray_300x200", "palette_120x90", "rgb_1000x200")) {
            float[] px = activations.readFloats("e2e/" + name + "/pixel_values");
            List<CocaImage> encoded = model.encodeImages(List.of(px));
            float[] got = model.imageFeatures(encoded, List.of(QueryPerturbation.NONE)).get(0);
            Comparison c = Comparison.of(name, got, reference("e2e/" + name + "/image_features"));
            assertTrue(c.within(TOLERANCE), name + ": " + c.relativeError());
        }
    }

    /** Images in one batch give what each gives alone, bit for bit. */
    @Test
    void aBatchEqualsEachImageAlone() {
        CocaRetrieval model = TinyCoca.load("model.safetensors", new CpuBackend());
        List<float[]> batch = model.imageFeatures(model.encodeImages(List.of(pixels)),
                List.of(QueryPerturbation.NONE, QueryPerturbation.NONE, QueryPerturbation.NONE));
        for (int i = 0; i < pixels.length; i++) {
            float[] alone = model.imageFeatures(model.encodeImages(List.of(pixels[i])),
                    List.of(QueryPerturbation.NONE)).get(0);
            assertArrayEquals(alone, batch.get(i), 0f, "image " + i);
        }
        assertEquals(3, batch.size());
    }

    /** F16 weights move the features by more than the tolerance, so the f16w/ comparison means something. */
    @Test
    void roundedWeightsChangeTheResult() {
        ReferenceTensor f32 = reference("image_features");
        assertTrue(Comparison.of("x", activations.readFloats("f16w/image_features"), f32).relativeError()
                > TOLERANCE);
    }
}
