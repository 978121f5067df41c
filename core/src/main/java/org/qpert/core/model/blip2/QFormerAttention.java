package org.qpert.core.model.blip2;

import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Segments;
import org.qpert.core.backend.Tensor;
import org.qpert.core.model.ActivationSink;
import org.qpert.core.model.LayerNorm;
import org.qpert.core.model.Linear;
import org.qpert.core.model.ModelWeights;
import org.qpert.core.model.QueryCrossAttention;

/**
 * {@code Blip2QFormerAttention}: multi-head attention ({@code .attention.query/key/value}) followed by
 * {@code Blip2QFormerSelfOutput} ({@code .output.dense} + residual + LayerNorm, post-LN). Used for both self-attention
 * and cross-attention; for cross-attention the keys and values come precomputed from the image ({@link ImageContext}).
 */
public final class QFormerAttention {
    private final String name;
    private final int heads;
    private final float scale;
    private final Linear query; // [H, H]
    private final Linear key; // [H, H] or [H, Dv] for cross-attention
    private final Linear value;
    private final Linear dense; // [H, H]
    private final LayerNorm layerNorm;
    private final QueryCrossAttention crossAttention; // the query rows of a cross-attention layer (Q-Pert's hook)

    QFormerAttention(ModelWeights w, String name, QFormerConfig cfg, int keyWidth) {
        this.name = name;
        int h = cfg.hiddenSize();
        this.heads = cfg.numAttentionHeads();
        this.scale = (float) (1.0 / Math.sqrt(cfg.headDim()));
        this.query = Linear.load(w, name + ".attention.query", h, h);
        this.key = Linear.load(w, name + ".attention.key", h, keyWidth);
        this.value = Linear.load(w, name + ".attention.value", h, keyWidth);
        this.dense = Linear.load(w, name + ".output.dense", h, h);
        this.layerNorm = LayerNorm.load(w, name + ".output.LayerNorm", h, cfg.layerNormEps());
        this.crossAttention = new QueryCrossAttention(name + ".attention.query", query, heads);
    }

    /** The key projection; for cross-attention K = Z·Wkᵀ + bk is what Q-Perturbation builds its subspaces from. */
    public Linear key() {
        return key;
    }

    public Linear value() {
        return value;
    }

    /** Self-attention within each item of h [S, H] (items stacked) with an additive key bias [1, S] (or null). */
    Tensor selfAttention(Backend b, Tensor h, Segments items, Tensor keyBias, ActivationSink sink) {
        Tensor k = key.apply(b, h);
        sink.accept(name + ".attention.key", k);
        Tensor v = value.apply(b, h);
        sink.accept(name + ".attention.value", v);
        Tensor q = query.apply(b, h);
        sink.accept(name + ".attention.query", q);
        Tensor ctx = b.attention(q, k, v, heads, scale, items, items, keyBias);
        return output(b, ctx, h, sink);
    }

    /**
     * Cross-attention of the query rows h [B·Nq, H] of each item (querySegments) to its image's keys and values
     * (keySegments into the stacked k, v [·, H]); pbar per item perturbs its queries (null: none perturbed).
     */
    Tensor crossAttention(Backend b, Tensor h, Tensor k, Tensor v, Segments querySegments, Segments keySegments,
                          Tensor[] pbar, ActivationSink sink) {
        sink.accept(name + ".attention.key", k);
        sink.accept(name + ".attention.value", v);
        Tensor ctx = crossAttention.attend(b, h, k, v, querySegments, keySegments, pbar, sink);
        return output(b, ctx, h, sink);
    }

    private Tensor output(Backend b, Tensor ctx, Tensor h, ActivationSink sink) {
        Tensor out = b.linearResidual(ctx, dense.weight(), dense.bias(), h);
        out = layerNorm.apply(b, out);
        sink.accept(name, out);
        return out;
    }
}
