package org.qpert.core.model.blip2;

import java.util.Arrays;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SplittableRandom;
import org.qpert.core.model.VisionConfig;
import org.qpert.core.model.WeightSource;

/**
 * Deterministic random weights for a model at the tiny parity fixture's shapes (ViT 64 × 2 layers, 56² images of
 * 14² patches; Q-Former 32 × 4 layers with text FFNs, 8 queries), so core can test whole passes without a checkpoint
 * file. Deliberately close to bench's RandomWeights (which core tests cannot see): std 0.02 around 0, layer-norm
 * scales around 1; here std 0.2 so that attention is far from uniform and a wrong mask or segment shows.
 */
final class TinyRandomWeights implements WeightSource {

    static Blip2Config config() {
        VisionConfig v = new VisionConfig(64, 2, 4, 128, 56, 14, 1e-6, true, "gelu");
        QFormerConfig q = new QFormerConfig(100, 32, 4, 4, 64, 40, 1e-12, 0, 2, 64, true, "gelu");
        return new Blip2Config(v, q, 8, 24, OptionalInt.empty());
    }

    @Override
    public Set<String> names() {
        return Set.of();
    }

    @Override
    public boolean contains(String name) {
        return name.endsWith(".qkv.bias");
    }

    @Override
    public long[] shape(String name) {
        throw new IllegalArgumentException("random weights have no stored shape for " + name);
    }

    @Override
    public org.qpert.core.backend.WeightData tensor(String name, long... expectedShape) {
        float[] x = floats(name, expectedShape);
        int rows = expectedShape.length <= 1 ? 1 : (int) expectedShape[0];
        return org.qpert.core.backend.WeightData.f32(x, rows, x.length / rows);
    }

    private float[] floats(String name, long... expectedShape) {
        int n = (int) Arrays.stream(expectedShape).reduce(1, (a, b) -> a * b);
        boolean scale = name.endsWith("norm1.weight") || name.endsWith("norm2.weight")
                || name.endsWith("LayerNorm.weight") || name.endsWith("layernorm.weight");
        SplittableRandom rnd = new SplittableRandom(name.hashCode());
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (scale ? 1f : 0f) + (float) (rnd.nextDouble() * 2 - 1) * 0.35f;
        }
        return x;
    }

    @Override
    public String describe() {
        return "tiny random weights";
    }
}
