package org.qpert.bench;

import java.util.Arrays;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import org.qpert.core.backend.DType;
import org.qpert.core.backend.WeightData;
import org.qpert.core.model.VisionConfig;
import org.qpert.core.model.WeightSource;
import org.qpert.core.model.blip2.Blip2Config;
import org.qpert.core.model.blip2.QFormerConfig;

/**
 * Deterministic random weights of any requested shape, for timing the model at real sizes without a checkpoint:
 * uniform values of standard deviation 0.02 (about BLIP-2's initializer range) seeded by seed and name, layer-norm
 * scales 1 ± that noise so activations stay in range. Cached, so several backends can load the same model.
 * {@link #sharedByShape()} hands every tensor of one shape and kind the same array instead: the backend copies (packs)
 * what it is given, so a whole ViT-g then costs its packed copy only, not another 4.7 GB of random values.
 */
final class RandomWeights implements WeightSource {
    private final long seed;
    private final boolean shareByShape;
    private final DType dtype;
    private final Map<String, WeightData> cache = new ConcurrentHashMap<>();

    RandomWeights() {
        this(0);
    }

    RandomWeights(long seed) {
        this(seed, false, DType.F32);
    }

    private RandomWeights(long seed, boolean shareByShape, DType dtype) {
        this.seed = seed;
        this.shareByShape = shareByShape;
        this.dtype = dtype;
    }

    /** Same-shaped tensors of the same kind (layer-norm scale or not) share one array. */
    static RandomWeights sharedByShape() {
        return sharedByShape(DType.F32);
    }

    /** As {@link #sharedByShape()}, stored as {@code dtype} (F32 or BF16, as a 16-bit checkpoint would be). */
    static RandomWeights sharedByShape(DType dtype) {
        return new RandomWeights(0, true, dtype);
    }

    /** Every tensor its own values, stored as {@code dtype} (F32 or BF16). */
    static RandomWeights of(long seed, DType dtype) {
        return new RandomWeights(seed, false, dtype);
    }

    /**
     * blip2-itm-vit-g sizes (Q-Former 768 × 12 layers, 12 heads, cross-attention every 2nd layer, 32 queries, ViT
     * width 1408) at image size {@code imageSize}, with a ViT of {@code visionLayers} layers (39 for the real model;
     * fewer when only Z of the right shape is needed).
     */
    static Blip2Config realSizes(int imageSize, int visionLayers) {
        VisionConfig v = new VisionConfig(1408, visionLayers, 16, 6144, imageSize, 14, 1e-6, true, "gelu");
        QFormerConfig d = QFormerConfig.defaults();
        QFormerConfig q = new QFormerConfig(30523, d.hiddenSize(), d.numHiddenLayers(), d.numAttentionHeads(),
                d.intermediateSize(), d.maxPositionEmbeddings(), d.layerNormEps(), d.padTokenId(),
                d.crossAttentionFrequency(), v.hiddenSize(), true, d.hiddenAct());
        return new Blip2Config(v, q, 32, 256, OptionalInt.empty());
    }

    @Override
    public Set<String> names() {
        return Set.copyOf(cache.keySet());
    }

    /**
     * The optional layouts a checkpoint of real sizes has: HF's fused qkv bias (q_bias / v_bias never), and the
     * separate q/k/v projections torch keeps where a MultiheadAttention's key width differs from its query width
     * (CoCa's pooler).
     */
    @Override
    public boolean contains(String name) {
        return name.endsWith(".qkv.bias") || name.endsWith("attn.q_proj_weight");
    }

    @Override
    public long[] shape(String name) {
        throw new IllegalArgumentException("random weights have no stored shape for " + name);
    }

    /** Viewed as [first dimension, the rest] as a checkpoint's tensors are. */
    @Override
    public WeightData tensor(String name, long... expectedShape) {
        long n = Arrays.stream(expectedShape).reduce(1, (a, b) -> a * b);
        if (n <= 0 || n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("random tensor " + name + " of shape " + Arrays.toString(expectedShape)
                    + " does not fit one array");
        }
        int rows = expectedShape.length <= 1 ? 1 : (int) expectedShape[0], cols = (int) (n / rows);
        String key = (shareByShape ? (isScale(name) ? "scale" : "value") : name) + Arrays.toString(expectedShape);
        return cache.computeIfAbsent(key, k -> {
            float[] x = generate(shareByShape ? k : name, isScale(name), (int) n);
            return dtype == DType.BF16 ? WeightData.bf16(x, rows, cols) : WeightData.f32(x, rows, cols);
        });
    }

    /** Values widened to float32 (tests and tools that want plain arrays). */
    float[] floats(String name, long... shape) {
        return tensor(name, shape).toFloats();
    }

    private static boolean isScale(String name) {
        return name.endsWith("layer_norm1.weight") || name.endsWith("layer_norm2.weight")
                || name.endsWith("layer_norm.weight")
                || name.endsWith("LayerNorm.weight") || name.endsWith("layernorm.weight")
                || name.matches(".*\\bln_[a-z0-9]+\\.weight"); // open_clip's ln_1, ln_pre, ln_q, ln_final, ...
    }

    private float[] generate(String seedKey, boolean scale, int n) {
        SplittableRandom rnd = new SplittableRandom(seed ^ seedKey.hashCode());
        float half = (float) (0.02 * Math.sqrt(3));
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (scale ? 1f : 0f) + (float) (rnd.nextDouble() * 2 - 1) * half;
        }
        return x;
    }

    @Override
    public String describe() {
        return "random weights (seed " + seed + ")";
    }
}
