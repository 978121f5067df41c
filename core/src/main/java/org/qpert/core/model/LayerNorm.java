package org.qpert.core.model;

import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Tensor;

/** {@code nn.LayerNorm} over the last dimension; gamma, beta [1, d]. */
public record LayerNorm(Tensor gamma, Tensor beta, float eps) {

    public static LayerNorm load(ModelWeights w, String prefix, int d, double eps) {
        return new LayerNorm(w.row(prefix + ".weight", d), w.row(prefix + ".bias", d), (float) eps);
    }

    public Tensor apply(Backend b, Tensor x) {
        return b.layerNorm(x, gamma, beta, eps);
    }
}
