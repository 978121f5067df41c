package org.qpert.core.model;

import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Tensor;

/** {@code nn.Linear}: weight [out, in], bias [1, out] or null; {@code y = x·Wᵀ + b}. */
public record Linear(Tensor weight, Tensor bias) {

    public static Linear load(ModelWeights w, String prefix, int out, int in) {
        return new Linear(w.matrix(prefix + ".weight", out, in), w.row(prefix + ".bias", out));
    }

    public int out() {
        return weight.rows();
    }

    public int in() {
        return weight.cols();
    }

    public Tensor apply(Backend b, Tensor x) {
        return b.linear(x, weight, bias);
    }
}
