package org.qpert.core.model.coca;

import org.qpert.core.backend.Tensor;
import org.qpert.core.backend.TensorScope;
import org.qpert.core.model.EncodedImage;

/**
 * A CoCa image after its ViT, kept for the pooler passes (plain and perturbed): the tokens X [T, Dv] and the pooler's
 * keys and values [T, E] (the keys are what Q-Perturbation builds P̄ from, site 0).
 */
public final class CocaImage implements EncodedImage {
    /** The pooler's site index: CoCa has one hooked cross-attention. */
    public static final int POOLER_SITE = 0;
    private final Tensor tokens;
    private final Tensor keys;
    private final Tensor values;

    CocaImage(Tensor tokens, Tensor keys, Tensor values) {
        this.tokens = tokens;
        this.keys = keys;
        this.values = values;
    }

    /** X: the ViT output before the pooler, [T, Dv]. */
    @Override
    public Tensor imageEmbeds() {
        return tokens;
    }

    @Override
    public Tensor keys(int site) {
        if (site != POOLER_SITE) {
            throw new IllegalArgumentException("CoCa has one perturbation site (the pooler, 0), not " + site);
        }
        return keys;
    }

    Tensor values() {
        return values;
    }

    CocaImage keepIn(TensorScope scope) {
        scope.keep(tokens);
        scope.keep(keys);
        scope.keep(values);
        return this;
    }

    @Override
    public void close() {
        tokens.close();
        keys.close();
        values.close();
    }
}
