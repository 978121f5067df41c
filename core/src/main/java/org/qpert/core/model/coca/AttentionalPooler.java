package org.qpert.core.model.coca;

import java.util.Collections;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Segments;
import org.qpert.core.backend.Tensor;
import org.qpert.core.model.ActivationSink;
import org.qpert.core.model.LayerNorm;
import org.qpert.core.model.Linear;
import org.qpert.core.model.ModelWeights;
import org.qpert.core.model.QueryCrossAttention;

/**
 * open_clip's {@code AttentionalPooler} ({@code visual.attn_pool}, spec/COCA.md §5.1 step 3): NQ learned queries
 * (after {@code ln_q}) attend to {@code ln_k} of all T image tokens through a {@code MultiheadAttention} whose kdim =
 * vdim = Dv differs from E, so torch keeps {@code q/k/v_proj_weight} apart (a packed {@code in_proj_weight} where
 * Dv = E) and packs the biases. The queries run through {@link QueryCrossAttention}, Q-Perturbation's hook.
 */
final class AttentionalPooler {
    static final String NAME = "visual.attn_pool";
    private final int queries;
    private final Tensor query; // [NQ, E]
    private final LayerNorm lnQ;
    private final LayerNorm lnK;
    private final Linear keyProj; // [E, Dv]
    private final Linear valueProj; // [E, Dv]
    private final QueryCrossAttention attention; // q_proj [E, E]
    private final Linear outProj; // [E, E]

    AttentionalPooler(ModelWeights w, CocaConfig cfg) {
        int e = cfg.embedDim(), dv = cfg.vision().width();
        this.queries = cfg.vision().poolerQueries();
        String a = NAME + ".attn.";
        this.query = w.table(NAME + ".query", queries, e);
        this.lnQ = LayerNorm.load(w, NAME + ".ln_q", e, CocaConfig.EPS);
        this.lnK = LayerNorm.load(w, NAME + ".ln_k", dv, CocaConfig.EPS);
        float[] bias = w.floats(a + "in_proj_bias", 3L * e);
        Linear q, k, v;
        if (w.contains(a + "q_proj_weight")) {
            q = new Linear(w.matrix(a + "q_proj_weight", e, e), rows(w, bias, 0, e));
            k = new Linear(w.matrix(a + "k_proj_weight", e, dv), rows(w, bias, 1, e));
            v = new Linear(w.matrix(a + "v_proj_weight", e, dv), rows(w, bias, 2, e));
        } else {
            // Dv = E: one packed [3E, E] weight; its three row blocks are q, k, v
            Linear packed = new Linear(w.matrix(a + "in_proj_weight", 3 * e, e), null);
            Backend b = w.backend();
            q = new Linear(b.sliceRows(packed.weight(), 0, e), rows(w, bias, 0, e));
            k = new Linear(b.sliceRows(packed.weight(), e, 2 * e), rows(w, bias, 1, e));
            v = new Linear(b.sliceRows(packed.weight(), 2 * e, 3 * e), rows(w, bias, 2, e));
        }
        this.keyProj = k;
        this.valueProj = v;
        this.attention = new QueryCrossAttention("pooler/queries", q, cfg.vision().poolerHeads());
        this.outProj = Linear.load(w, a + "out_proj", e, e);
    }

    private static Tensor rows(ModelWeights w, float[] bias, int part, int e) {
        return w.backend().upload(java.util.Arrays.copyOfRange(bias, part * e, (part + 1) * e), 1, e);
    }

    int heads() {
        return attention.heads();
    }

    int headDim() {
        return attention.headDim();
    }

    /** Keys K = ln_k(X)·Wkᵀ + b_k and values V [B·T, E] of stacked image tokens X [B·T, Dv]. */
    Tensor[] keysAndValues(Backend b, Tensor x, ActivationSink sink) {
        Tensor xk = lnK.apply(b, x);
        sink.accept("pooler/ln_k", xk);
        Tensor k = keyProj.apply(b, xk);
        sink.accept("pooler/keys", k);
        Tensor v = valueProj.apply(b, xk);
        sink.accept("pooler/values", v);
        return new Tensor[] {k, v};
    }

    /**
     * The pooled outputs O [B·NQ, E] of B images whose stacked keys and values ({@code tokens} rows each) are k, v;
     * image i's queries perturbed by {@code pbar[i]} (null entries or a null array: none).
     */
    Tensor forward(Backend b, Tensor k, Tensor v, int images, int tokens, Tensor[] pbar, ActivationSink sink) {
        Tensor qIn = lnQ.apply(b, query); // [NQ, E]
        sink.accept("pooler/ln_q", qIn);
        Tensor stacked = images == 1 ? qIn : b.concatRows(Collections.nCopies(images, qIn)); // [B·NQ, E]
        Tensor ctx = attention.attend(b, stacked, k, v, Segments.uniform(images, queries),
                Segments.uniform(images, tokens), pbar, sink);
        Tensor out = outProj.apply(b, ctx);
        sink.accept("pooler/output", out);
        return out;
    }
}
