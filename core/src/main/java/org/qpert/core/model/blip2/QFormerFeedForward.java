package org.qpert.core.model.blip2;

import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Tensor;
import org.qpert.core.model.LayerNorm;
import org.qpert.core.model.Linear;
import org.qpert.core.model.ModelWeights;

/** BERT FFN: {@code LN(W2·GELU(W1·a + b1) + b2 + a)}; ({@code intermediate}, {@code output}) or the {@code _query} pair. */
final class QFormerFeedForward {
    private final Linear intermediate; // [I, H]
    private final Linear output; // [H, I]
    private final LayerNorm layerNorm;

    QFormerFeedForward(ModelWeights w, String intermediateName, String outputName, QFormerConfig cfg) {
        int h = cfg.hiddenSize(), inter = cfg.intermediateSize();
        this.intermediate = Linear.load(w, intermediateName + ".dense", inter, h);
        this.output = Linear.load(w, outputName + ".dense", h, inter);
        this.layerNorm = LayerNorm.load(w, outputName + ".LayerNorm", h, cfg.layerNormEps());
    }

    Tensor forward(Backend b, Tensor a) {
        Tensor hidden = b.linearGelu(a, intermediate.weight(), intermediate.bias());
        return layerNorm.apply(b, b.linearResidual(hidden, output.weight(), output.bias(), a));
    }
}
