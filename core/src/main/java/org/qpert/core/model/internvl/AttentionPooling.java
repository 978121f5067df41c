package org.qpert.core.model.internvl;

import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Segments;
import org.qpert.core.backend.Tensor;
import org.qpert.core.model.ActivationSink;
import org.qpert.core.model.LayerNorm;
import org.qpert.core.model.Linear;
import org.qpert.core.model.ModelWeights;
import org.qpert.core.model.QueryCrossAttention;

/**
 * InternVL's {@code AttentionPoolingBlock} (spec/INTERNVL.md §3.2): {@code clip_projector} over InternViT's tokens,
 * {@code clip_projector2} over QLLaMA's query outputs. One query per item, the mean of its rows: q = LN_q(mean X)·Wqᵀ +
 * q_bias; K = LN_k(X)·Wkᵀ + k_bias, V = LN_v(X)·Wvᵀ + v_bias; attention with H heads of D/H; {@code proj} to E. No
 * residual. The query runs through {@link QueryCrossAttention}, Q-Perturbation's hook (the pooling site).
 */
final class AttentionPooling {
    private final String name;
    private final LayerNorm normQ;
    private final LayerNorm normK;
    private final LayerNorm normV;
    private final QueryCrossAttention attention; // q [D, D] + q_bias
    private final Linear keyProj; // [D, D] + k_bias
    private final Linear valueProj; // [D, D] + v_bias
    private final Linear proj; // [E, D]

    /** The block {@code name} over rows of width {@code width}; {@code queryKey} names its query in captures. */
    AttentionPooling(ModelWeights w, String name, int width, InternvlConfig cfg, String queryKey) {
        this.name = name;
        double eps = InternvlConfig.POOL_EPS;
        this.normQ = LayerNorm.load(w, name + ".norm1_q", width, eps);
        this.normK = LayerNorm.load(w, name + ".norm1_k", width, eps);
        this.normV = LayerNorm.load(w, name + ".norm1_v", width, eps);
        String a = name + ".cross_attn.";
        this.attention = new QueryCrossAttention(queryKey,
                new Linear(w.matrix(a + "q.weight", width, width), w.row(a + "q_bias", width)), cfg.poolHeads());
        this.keyProj = new Linear(w.matrix(a + "k.weight", width, width), w.row(a + "k_bias", width));
        this.valueProj = new Linear(w.matrix(a + "v.weight", width, width), w.row(a + "v_bias", width));
        this.proj = Linear.load(w, a + "proj", cfg.embedDim(), width);
    }

    String name() {
        return name;
    }

    int heads() {
        return attention.heads();
    }

    int headDim() {
        return attention.headDim();
    }

    /** Keys K [n, D] and values V [n, D] of rows X [n, D] (a stack of items: row-wise, so any stack). */
    Tensor[] keysAndValues(Backend b, Tensor x) {
        return new Tensor[] {keyProj.apply(b, normK.apply(b, x)), valueProj.apply(b, normV.apply(b, x))};
    }

    /**
     * The pooled outputs [B, E] of B items stacked in x [ΣT, D] as {@code items}, whose keys and values are k, v;
     * item i's query perturbed by {@code pbar[i]} (null entries or a null array: none).
     */
    Tensor forward(Backend b, Tensor x, Tensor k, Tensor v, Segments items, Tensor[] pbar, ActivationSink sink) {
        Tensor q = normQ.apply(b, b.meanRows(x, items)); // [B, D]
        Tensor ctx = attention.attend(b, q, k, v, Segments.uniform(items.count(), 1), items, pbar, sink); // [B, D]
        return proj.apply(b, ctx);
    }
}
