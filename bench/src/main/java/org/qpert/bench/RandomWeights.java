package org.qpert.bench;

import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.qpert.core.model.WeightSource;

/**
 * Deterministic random weights for any name at whatever shape the model asks for, so benchmarks run the real
 * BLIP-2 sizes without a checkpoint. Values are uniform in ±0.02 (LayerNorm weights are 1), like a fresh init, so
 * activations stay in range and no denormals slow anything. Tensors of the same shape and kind share one array: the
 * model copies (packs) what it is handed, so a 4 GB ViT costs its packed copy only, not a second random 4 GB.
 */
public final class RandomWeights implements WeightSource {
    private final Map<String, float[]> byShape = new HashMap<>();
    private final Set<String> served = new LinkedHashSet<>();

    /** The names handed out so far (any name is available). */
    @Override
    public synchronized Set<String> names() {
        return Set.copyOf(served);
    }

    @Override
    public boolean contains(String name) {
        return true;
    }

    @Override
    public long[] shape(String name) {
        throw new IllegalArgumentException(describe() + " has no stored shapes: ask floats(" + name
                + ", shape) with the shape you expect");
    }

    @Override
    public synchronized float[] floats(String name, long... expectedShape) {
        long count = 1;
        for (long d : expectedShape) {
            if (d <= 0) {
                throw new IllegalArgumentException("tensor " + name + ": non-positive dimension in "
                        + Arrays.toString(expectedShape));
            }
            count = Math.multiplyExact(count, d);
        }
        if (count > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("tensor " + name + " of shape " + Arrays.toString(expectedShape)
                    + " is too large for one array");
        }
        served.add(name);
        boolean ones = name.endsWith(".weight") && (name.contains("layernorm") || name.contains("layer_norm")
                || name.contains("LayerNorm"));
        String key = (ones ? "ones" : "random") + Arrays.toString(expectedShape);
        int n = (int) count;
        return byShape.computeIfAbsent(key, k -> ones ? filled(n, 1f) : uniform(n, k.hashCode()));
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        Arrays.fill(a, v);
        return a;
    }

    private static float[] uniform(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextDouble() * 0.04 - 0.02);
        }
        return a;
    }

    @Override
    public String describe() {
        return "random weights";
    }
}
