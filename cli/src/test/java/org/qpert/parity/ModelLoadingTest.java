package org.qpert.parity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.qpert.core.backend.CpuBackend;
import org.qpert.core.backend.WeightData;
import org.qpert.core.model.QueryPerturbation;
import org.qpert.core.model.WeightSource;
import org.qpert.core.model.blip2.Blip2Config;
import org.qpert.core.model.blip2.Blip2Retrieval;
import org.qpert.loaders.config.Blip2ConfigReader;
import org.qpert.loaders.safetensors.SafetensorsWeights;

/** Assembling the model from checkpoint tensors: alternative layouts and clear errors. */
class ModelLoadingTest {
    static SafetensorsWeights weights;
    static Blip2Config config;

    @BeforeAll
    static void open() throws IOException {
        weights = SafetensorsWeights.open(TinyBlip2.DIR.resolve("model.safetensors"));
        config = Blip2ConfigReader.read(TinyBlip2.DIR);
    }

    @AfterAll
    static void close() {
        weights.close();
    }

    /** A view of the fixture with some tensors replaced, removed or added. */
    static WeightSource edited(Map<String, float[]> replaced, Map<String, long[]> shapes, Set<String> removed) {
        return new WeightSource() {
            @Override
            public Set<String> names() {
                Set<String> n = new HashSet<>(weights.names());
                n.removeAll(removed);
                n.addAll(replaced.keySet());
                return n;
            }

            @Override
            public long[] shape(String name) {
                return shapes.containsKey(name) ? shapes.get(name) : weights.shape(name);
            }

            @Override
            public WeightData tensor(String name, long... expected) {
                if (removed.contains(name)) {
                    throw new IllegalArgumentException("missing tensor " + name);
                }
                if (replaced.containsKey(name)) {
                    if (!Arrays.equals(shapes.get(name), expected)) {
                        throw new IllegalArgumentException("tensor " + name + " has shape "
                                + Arrays.toString(shapes.get(name)) + ", expected " + Arrays.toString(expected));
                    }
                    float[] v = replaced.get(name);
                    return WeightData.f32(v, 1, v.length);
                }
                return weights.tensor(name, expected);
            }

            @Override
            public String describe() {
                return "edited fixture";
            }
        };
    }

    static float[] features(WeightSource w) {
        Blip2Retrieval m = Blip2Retrieval.load(config, w, new CpuBackend());
        float[] px = new float[3 * 56 * 56];
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) Math.sin(i * 0.37);
        }
        return m.imageFeatures(m.encodeImage(px), QueryPerturbation.NONE);
    }

    /** Pre-release conversions store q_bias / v_bias instead of the fused qkv.bias = [q; 0; v]. */
    @Test
    void separateQAndVBiasesGiveTheSameModelAsAZeroKeyBias() {
        Map<String, float[]> rep = new HashMap<>();
        Map<String, long[]> shapes = new HashMap<>();
        Set<String> removed = new HashSet<>();
        Map<String, float[]> zeroK = new HashMap<>();
        Map<String, long[]> zeroKShapes = new HashMap<>();
        for (int l = 0; l < 2; l++) {
            String p = "vision_model.encoder.layers." + l + ".self_attn.";
            float[] qkv = weights.floats(p + "qkv.bias", 192);
            rep.put(p + "q_bias", Arrays.copyOfRange(qkv, 0, 64));
            rep.put(p + "v_bias", Arrays.copyOfRange(qkv, 128, 192));
            shapes.put(p + "q_bias", new long[] {64});
            shapes.put(p + "v_bias", new long[] {64});
            removed.add(p + "qkv.bias");
            float[] fused = qkv.clone();
            Arrays.fill(fused, 64, 128, 0f);
            zeroK.put(p + "qkv.bias", fused);
            zeroKShapes.put(p + "qkv.bias", new long[] {192});
        }
        float[] separate = features(edited(rep, shapes, removed));
        float[] fused = features(edited(zeroK, zeroKShapes, Set.of()));
        assertArrayEquals(fused, separate, 0f);
    }

    @Test
    void missingTensorIsNamed() {
        Exception e = assertThrows(IllegalArgumentException.class, () -> Blip2Retrieval.load(config,
                edited(Map.of(), Map.of(), Set.of("qformer.encoder.layer.2.crossattention.attention.key.weight")),
                new CpuBackend()));
        assertTrue(e.getMessage().contains("qformer.encoder.layer.2.crossattention.attention.key.weight"),
                e.getMessage());
    }

    @Test
    void wrongShapeIsNamed() {
        Exception e = assertThrows(IllegalArgumentException.class, () -> Blip2Retrieval.load(config,
                edited(Map.of("itm_head.weight", new float[64]), Map.of("itm_head.weight", new long[] {2, 32, 1}),
                        Set.of()), new CpuBackend()));
        assertTrue(e.getMessage().contains("itm_head.weight") && e.getMessage().contains("expected"), e.getMessage());
    }

    @Test
    void wrongPixelCountAndOutOfVocabularyIdsAreRefused() {
        Blip2Retrieval m = Blip2Retrieval.load(config, weights, new CpuBackend());
        Exception px = assertThrows(IllegalArgumentException.class, () -> m.encodeImage(new float[10]));
        assertTrue(px.getMessage().contains("pixel_values"), px.getMessage());
        Exception ids = assertThrows(IllegalArgumentException.class, () -> m.textFeatures(new int[] {101, 5}, null));
        assertTrue(ids.getMessage().contains("outside the vocabulary"), ids.getMessage());
        Exception empty = assertThrows(IllegalArgumentException.class, () -> m.textFeatures(new int[0], null));
        assertTrue(empty.getMessage().contains("empty"), empty.getMessage());
    }
}
