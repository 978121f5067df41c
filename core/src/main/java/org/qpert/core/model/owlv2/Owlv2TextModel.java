package org.qpert.core.model.owlv2;

import java.util.ArrayList;
import java.util.List;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Tensor;
import org.qpert.core.model.ActivationSink;
import org.qpert.core.model.AttentionMask;
import org.qpert.core.model.ClipAttention;
import org.qpert.core.model.EncoderLayer;
import org.qpert.core.model.LayerNorm;
import org.qpert.core.model.ModelWeights;

/**
 * {@code Owlv2TextTransformer} (CLIP's text tower): token + position embeddings, pre-LN layers under a causal and a
 * padding mask, {@code final_layer_norm}; the pooled output is the row at the largest token id (the EOS).
 */
final class Owlv2TextModel {
    static final String PREFIX = "owlv2.text_model";
    private final Owlv2TextConfig cfg;
    private final Tensor tokenEmbedding; // [V, T]
    private final Tensor positionEmbedding; // [maxPositions, T]
    private final List<EncoderLayer> layers = new ArrayList<>();
    private final LayerNorm finalLayerNorm;

    Owlv2TextModel(ModelWeights w, Owlv2TextConfig cfg) {
        this.cfg = cfg;
        int d = cfg.hiddenSize();
        this.tokenEmbedding = w.table(PREFIX + ".embeddings.token_embedding.weight", cfg.vocabSize(), d);
        this.positionEmbedding = w.table(PREFIX + ".embeddings.position_embedding.weight",
                cfg.maxPositionEmbeddings(), d);
        for (int i = 0; i < cfg.numHiddenLayers(); i++) {
            String name = PREFIX + ".encoder.layers." + i;
            layers.add(new EncoderLayer(w, name, d, cfg.intermediateSize(), cfg.layerNormEps(),
                    new ClipAttention(w, name + ".self_attn", d, cfg.numAttentionHeads()), cfg.activation()));
        }
        this.finalLayerNorm = LayerNorm.load(w, PREFIX + ".final_layer_norm", d, cfg.layerNormEps());
    }

    /** ids, attentionMask [L] → pooled output [1, T]. */
    Tensor forward(Backend b, int[] ids, int[] attentionMask, ActivationSink sink) {
        int n = ids.length;
        if (n == 0 || n > cfg.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("a text query has " + n + " tokens, expected 1 to "
                    + cfg.maxPositionEmbeddings() + " (text_config.max_position_embeddings)");
        }
        if (attentionMask.length != n) {
            throw new IllegalArgumentException("attention mask has " + attentionMask.length + " entries for " + n
                    + " tokens");
        }
        int[] positions = new int[n];
        int eos = 0;
        for (int i = 0; i < n; i++) {
            positions[i] = i;
            eos = ids[i] > ids[eos] ? i : eos; // argmax, first on ties, as torch
        }
        Tensor x = b.add(b.gatherRows(tokenEmbedding, ids), b.gatherRows(positionEmbedding, positions)); // [L, T]
        AttentionMask mask = AttentionMask.causalWithPadding(attentionMask);
        for (EncoderLayer layer : layers) {
            x = layer.forward(b, x, mask, sink);
        }
        x = finalLayerNorm.apply(b, x);
        sink.accept(PREFIX + ".final_layer_norm", x);
        Tensor pooled = b.sliceRows(x, eos, eos + 1);
        sink.accept(PREFIX + ".pooler_output", pooled);
        return pooled;
    }
}
