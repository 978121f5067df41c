package org.qpert.core.model.blip2;

import java.util.ArrayList;
import java.util.List;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Tensor;
import org.qpert.core.model.ActivationSink;
import org.qpert.core.model.LayerNorm;
import org.qpert.core.model.ModelWeights;

/** {@code Blip2QFormerModel}: LayerNorm of the input sequence, then the encoder layers. */
public final class QFormerModel {
    /** BERT's additive mask for padded keys: {@code (1 - mask) * -10000}. */
    static final float PADDING_BIAS = -10000f;

    private final QFormerConfig cfg;
    private final LayerNorm layernorm;
    private final List<QFormerLayer> layers = new ArrayList<>();

    QFormerModel(ModelWeights w, QFormerConfig cfg) {
        this.cfg = cfg;
        this.layernorm = LayerNorm.load(w, "qformer.layernorm", cfg.hiddenSize(), cfg.layerNormEps());
        for (int i = 0; i < cfg.numHiddenLayers(); i++) {
            layers.add(new QFormerLayer(w, cfg, i));
        }
    }

    public QFormerConfig config() {
        return cfg;
    }

    public QFormerLayer layer(int index) {
        return layers.get(index);
    }

    /**
     * embeds [S, H], the items of {@code batch} stacked (queries first in each) → last_hidden_state [S, H]; each item
     * attends only to itself and its image.
     */
    Tensor forward(Backend b, Tensor embeds, QFormerBatch batch, ActivationSink sink) {
        batch.items().requireTiling("Q-Former input", embeds);
        Tensor x = layernorm.apply(b, embeds);
        sink.accept("qformer.layernorm", x);
        for (QFormerLayer layer : layers) {
            x = layer.forward(b, x, batch, sink);
        }
        sink.accept("qformer", x);
        return x;
    }
}
