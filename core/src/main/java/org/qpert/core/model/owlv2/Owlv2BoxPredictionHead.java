package org.qpert.core.model.owlv2;

import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Tensor;
import org.qpert.core.model.Linear;
import org.qpert.core.model.ModelWeights;

/**
 * {@code Owlv2BoxPredictionHead}: dense0 → GELU → dense1 → GELU → dense2 (exact erf GELU). The detector has two: the
 * box head (4 outputs) and the objectness head (1 output).
 */
final class Owlv2BoxPredictionHead {
    private final Linear dense0; // [D, D]
    private final Linear dense1; // [D, D]
    private final Linear dense2; // [out, D]

    Owlv2BoxPredictionHead(ModelWeights w, String prefix, int width, int out) {
        this.dense0 = Linear.load(w, prefix + ".dense0", width, width);
        this.dense1 = Linear.load(w, prefix + ".dense1", width, width);
        this.dense2 = Linear.load(w, prefix + ".dense2", out, width);
    }

    /** feats [g², D] → [g², out]. */
    Tensor forward(Backend b, Tensor feats) {
        Tensor h = b.linearGelu(feats, dense0.weight(), dense0.bias());
        h = b.linearGelu(h, dense1.weight(), dense1.bias());
        return dense2.apply(b, h);
    }
}
