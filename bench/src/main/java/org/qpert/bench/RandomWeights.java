package org.qpert.bench;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

import org.qpert.core.model.WeightSource;

/**
 * Random weights for timing the real-size model without a checkpoint: answers every tensor name with uniform values
 * of standard deviation 0.02 (about BLIP-2's initializer range), seeded by the name, cached so that several backends
 * load the same model. Layer-norm scales get 1 ± noise so activations stay in range.
 */
final class RandomWeights implements WeightSource {
    private final Map<String, float[]> cache = new ConcurrentHashMap<>();

    @Override
    public Set<String> names() {
        return Set.copyOf(cache.keySet());
    }

    /** Every name exists: the model asks for what its config needs, with the shape it expects. */
    @Override
    public boolean contains(String name) {
        return true;
    }

    @Override
    public long[] shape(String name) {
        throw new UnsupportedOperationException("random weights have the shape the model asks for (" + name + ")");
    }

    @Override
    public float[] floats(String name, long... expectedShape) {
        long n = Arrays.stream(expectedShape).reduce(1, (a, b) -> a * b);
        if (n <= 0 || n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("random tensor " + name + " of shape " + Arrays.toString(expectedShape));
        }
        return cache.computeIfAbsent(name + Arrays.toString(expectedShape), k -> generate(name, (int) n));
    }

    private static float[] generate(String name, int n) {
        SplittableRandom rnd = new SplittableRandom(name.hashCode());
        boolean scale = name.endsWith("layer_norm1.weight") || name.endsWith("layer_norm2.weight")
                || name.endsWith("LayerNorm.weight") || name.endsWith("layernorm.weight");
        float half = (float) (0.02 * Math.sqrt(3));
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (scale ? 1f : 0f) + (float) (rnd.nextDouble() * 2 - 1) * half;
        }
        return x;
    }

    @Override
    public String describe() {
        return "random weights";
    }
}
