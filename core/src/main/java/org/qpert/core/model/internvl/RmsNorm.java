package org.qpert.core.model.internvl;

import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Tensor;
import org.qpert.core.model.ModelWeights;

/** LLaMA's and InternViT's RMSNorm over the last dimension: {@code x / sqrt(mean(x²) + eps) ⊙ weight}; weight [1, d]. */
record RmsNorm(Tensor weight, float eps) {

    static RmsNorm load(ModelWeights w, String name, int d, double eps) {
        return new RmsNorm(w.row(name, d), (float) eps);
    }

    Tensor apply(Backend b, Tensor x) {
        return b.rmsNorm(x, weight, eps);
    }
}
