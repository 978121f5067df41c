package org.qpert.core.model;

import java.util.ArrayList;
import java.util.List;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Tensor;

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
     * embeds [S, H] (queries first) → last_hidden_state [S, H]. mask [S] of 0/1 or null (all attended); image is
     * required when queryLength > 0.
     */
    Tensor forward(Backend b, Tensor embeds, int queryLength, int[] mask, ImageContext image,
            QueryPerturbation perturbation, ActivationSink sink) {
        Tensor x = layernorm.apply(b, embeds);
        sink.accept("qformer.layernorm", x);
        float[] keyBias = keyBias(mask, embeds.rows());
        for (QFormerLayer layer : layers) {
            x = layer.forward(b, x, queryLength, keyBias, image, perturbation, sink);
        }
        sink.accept("qformer", x);
        return x;
    }

    private static float[] keyBias(int[] mask, int length) {
        if (mask == null) {
            return null;
        }
        if (mask.length != length) {
            throw new IllegalArgumentException("attention mask has " + mask.length + " entries for " + length + " tokens");
        }
        float[] bias = new float[length];
        for (int i = 0; i < length; i++) {
            if (mask[i] != 0 && mask[i] != 1) {
                throw new IllegalArgumentException("attention mask value " + mask[i] + " at position " + i
                        + " is not 0 or 1");
            }
            bias[i] = (1 - mask[i]) * PADDING_BIAS;
        }
        return bias;
    }
}
