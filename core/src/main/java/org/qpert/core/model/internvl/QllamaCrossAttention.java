package org.qpert.core.model.internvl;

import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Segments;
import org.qpert.core.backend.Tensor;
import org.qpert.core.model.ActivationSink;
import org.qpert.core.model.Linear;
import org.qpert.core.model.ModelWeights;
import org.qpert.core.model.QueryCrossAttention;

/**
 * QLLaMA's {@code cross_attn} (spec/INTERNVL.md §3.3), image pass only: Qc = norm1(x)·q_projᵀ through
 * {@link QueryCrossAttention} (a Q-Perturbation site), Kc = norm2(Z)·k_projᵀ and Vc = norm2(Z)·v_projᵀ from the
 * vision tokens (width Dv), attention without mask or rotary, {@code o_proj}. No biases. The residual is the layer's.
 */
final class QllamaCrossAttention {
    private final RmsNorm norm1; // [Dq]
    private final RmsNorm norm2; // [Dv]
    private final QueryCrossAttention attention; // q_proj [Dq, Dq]
    private final Linear keyProj; // [Dq, Dv]
    private final Linear valueProj; // [Dq, Dv]
    private final Linear oProj; // [Dq, Dq]

    QllamaCrossAttention(ModelWeights w, String name, InternvlConfig cfg, String queryKey) {
        int dq = cfg.qllama().width(), dv = cfg.vision().width();
        double eps = cfg.qllama().eps();
        this.norm1 = RmsNorm.load(w, name + ".norm1.weight", dq, eps);
        this.norm2 = RmsNorm.load(w, name + ".norm2.weight", dv, eps);
        this.attention = new QueryCrossAttention(queryKey, new Linear(w.matrix(name + ".q_proj.weight", dq, dq), null),
                cfg.qllama().heads());
        this.keyProj = new Linear(w.matrix(name + ".k_proj.weight", dq, dv), null);
        this.valueProj = new Linear(w.matrix(name + ".v_proj.weight", dq, dv), null);
        this.oProj = new Linear(w.matrix(name + ".o_proj.weight", dq, dq), null);
    }

    int heads() {
        return attention.heads();
    }

    int headDim() {
        return attention.headDim();
    }

    /** Kc and Vc [n, Dq] of vision tokens Z [n, Dv] (row-wise, so any stack of images). */
    Tensor[] keysAndValues(Backend b, Tensor z) {
        Tensor normed = norm2.apply(b, z);
        return new Tensor[] {keyProj.apply(b, normed), valueProj.apply(b, normed)};
    }

    /** The cross-attention output [B·Nq, Dq] of the query rows x (segments {@code queries}) on each image's k, v. */
    Tensor forward(Backend b, Tensor x, Tensor k, Tensor v, Segments queries, Segments tokens, Tensor[] pbar,
                   ActivationSink sink) {
        Tensor ctx = attention.attend(b, norm1.apply(b, x), k, v, queries, tokens, pbar, sink); // [B·Nq, Dq]
        return oProj.apply(b, ctx);
    }
}
