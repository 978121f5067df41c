package org.qpert.core.model.internvl;

import java.util.Map;
import org.qpert.core.backend.Tensor;
import org.qpert.core.backend.TensorScope;
import org.qpert.core.model.EncodedImage;

/**
 * An InternVL image after InternViT, kept for the features passes (plain and perturbed): Z [T, Dv], the pooling
 * block's keys and values [T, Dv], and for InternVL-G each cross-attention layer's keys and values [T, Dq] (they do
 * not depend on the layer input, so they are computed once per image). The keys are what Q-Perturbation builds P̄
 * from: site {@code poolSite} for the pooling block, site l for QLLaMA's cross-attention layer l.
 */
public final class InternvlImage implements EncodedImage {
    private final Tensor tokens;
    private final int poolSite;
    private final Tensor[] pool; // keys, values
    private final Map<Integer, Tensor[]> cross; // layer → keys, values

    InternvlImage(Tensor tokens, int poolSite, Tensor[] pool, Map<Integer, Tensor[]> cross) {
        this.tokens = tokens;
        this.poolSite = poolSite;
        this.pool = pool;
        this.cross = Map.copyOf(cross);
    }

    /** Z: InternViT's output [T, Dv]. */
    @Override
    public Tensor imageEmbeds() {
        return tokens;
    }

    @Override
    public Tensor keys(int site) {
        return keysAndValues(site)[0];
    }

    /** Keys and values of site {@code site}. */
    Tensor[] keysAndValues(int site) {
        Tensor[] kv = site == poolSite ? pool : cross.get(site);
        if (kv == null) {
            throw new IllegalArgumentException("InternVL has no perturbation site " + site + " here (the pooling "
                    + "block is " + poolSite + ", cross-attention layers " + cross.keySet() + ")");
        }
        return kv;
    }

    InternvlImage keepIn(TensorScope scope) {
        scope.keep(tokens);
        for (Tensor t : pool) {
            scope.keep(t);
        }
        cross.values().forEach(kv -> {
            scope.keep(kv[0]);
            scope.keep(kv[1]);
        });
        return this;
    }

    @Override
    public void close() {
        tokens.close();
        for (Tensor t : pool) {
            t.close();
        }
        cross.values().forEach(kv -> {
            kv[0].close();
            kv[1].close();
        });
    }
}
