package org.qpert.bench;

import java.util.Set;
import java.util.SplittableRandom;
import org.qpert.core.model.Blip2Config;
import org.qpert.core.model.QFormerConfig;
import org.qpert.core.model.VisionConfig;
import org.qpert.core.model.WeightSource;

/**
 * Deterministic random weights of any requested shape, for timing the model at real sizes without a checkpoint.
 * Values are small (uniform ±0.05) so activations stay finite; they mean nothing.
 */
final class RandomWeights implements WeightSource {
    private final long seed;

    RandomWeights(long seed) {
        this.seed = seed;
    }

    /**
     * blip2-itm-vit-g sizes (Q-Former 768 × 12 layers, 12 heads, cross-attention every 2nd layer, 32 queries, ViT
     * width 1408) at image size {@code imageSize}, but a ViT of {@code visionLayers} layers: the benchmarks time the
     * Q-Former and the perturbation, the ViT only has to produce Z of the right shape.
     */
    static Blip2Config realSizes(int imageSize, int visionLayers) {
        VisionConfig v = new VisionConfig(1408, visionLayers, 16, 6144, imageSize, 14, 1e-6, true, "gelu");
        QFormerConfig d = QFormerConfig.defaults();
        QFormerConfig q = new QFormerConfig(d.vocabSize(), d.hiddenSize(), d.numHiddenLayers(), d.numAttentionHeads(),
                d.intermediateSize(), d.maxPositionEmbeddings(), d.layerNormEps(), d.padTokenId(),
                d.crossAttentionFrequency(), v.hiddenSize(), true, d.hiddenAct());
        return new Blip2Config(v, q, 32, 256, java.util.OptionalInt.empty());
    }

    @Override
    public Set<String> names() {
        return Set.of();
    }

    /** The fused qkv bias layout of HF checkpoints; q_bias / v_bias never. */
    @Override
    public boolean contains(String name) {
        return name.endsWith(".qkv.bias");
    }

    @Override
    public long[] shape(String name) {
        throw new IllegalArgumentException("random weights have no stored shape for " + name);
    }

    @Override
    public float[] floats(String name, long... expectedShape) {
        long n = 1;
        for (long s : expectedShape) {
            n *= s;
        }
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + " of " + n + " values does not fit one array");
        }
        SplittableRandom r = new SplittableRandom(seed ^ name.hashCode());
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextDouble() - 0.5) * 0.1f;
        }
        return v;
    }

    @Override
    public String describe() {
        return "random weights (seed " + seed + ")";
    }
}
