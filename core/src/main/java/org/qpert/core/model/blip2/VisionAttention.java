package org.qpert.core.model.blip2;

import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Tensor;
import org.qpert.core.model.ActivationSink;
import org.qpert.core.model.AttentionMask;
import org.qpert.core.model.Linear;
import org.qpert.core.model.ModelWeights;
import org.qpert.core.model.SelfAttention;
import org.qpert.core.model.VisionConfig;

/** {@code Blip2Attention} (EVA): fused qkv projection with bias [q; 0; v], softmax attention, output projection. */
final class VisionAttention implements SelfAttention {
    private final int heads;
    private final int width;
    private final float scale;
    private final Linear qkv; // [3D, D]
    private final Linear projection; // [D, D]

    VisionAttention(ModelWeights w, String prefix, VisionConfig cfg) {
        this.heads = cfg.numAttentionHeads();
        this.width = cfg.hiddenSize();
        this.scale = (float) Math.pow(cfg.headDim(), -0.5);
        int d = width;
        Tensor bias = cfg.qkvBias() ? w.backend().upload(qkvBias(w, prefix, d), 1, 3 * d) : null;
        this.qkv = new Linear(w.matrix(prefix + ".qkv.weight", 3 * d, d), bias);
        this.projection = Linear.load(w, prefix + ".projection", d, d);
    }

    /** The fused bias as stored by HF, or built from the separate q_bias / v_bias of pre-release conversions. */
    private static float[] qkvBias(ModelWeights w, String prefix, int d) {
        if (w.contains(prefix + ".qkv.bias")) {
            return w.floats(prefix + ".qkv.bias", 3 * d);
        }
        if (w.contains(prefix + ".q_bias") && w.contains(prefix + ".v_bias")) {
            float[] bias = new float[3 * d];
            System.arraycopy(w.floats(prefix + ".q_bias", d), 0, bias, 0, d);
            System.arraycopy(w.floats(prefix + ".v_bias", d), 0, bias, 2 * d, d);
            return bias;
        }
        throw new IllegalArgumentException("missing tensor " + prefix + ".qkv.bias (nor " + prefix + ".q_bias/"
                + prefix + ".v_bias) although vision_config.qkv_bias is true");
    }

    @Override
    public Tensor forward(Backend b, Tensor h, AttentionMask mask, ActivationSink sink, String name) {
        Tensor mixed = qkv.apply(b, h); // [T, 3D]
        sink.accept(name + ".qkv", mixed);
        Tensor q = b.sliceCols(mixed, 0, width);
        Tensor k = b.sliceCols(mixed, width, 2 * width);
        Tensor v = b.sliceCols(mixed, 2 * width, 3 * width);
        Tensor ctx = mask.attend(b, q, k, v, heads, scale); // [T, D]
        return projection.apply(b, ctx);
    }
}
