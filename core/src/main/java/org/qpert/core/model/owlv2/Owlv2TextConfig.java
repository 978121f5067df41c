package org.qpert.core.model.owlv2;

import org.qpert.core.model.Activation;

/** {@code Owlv2TextConfig}: the CLIP text transformer that embeds text queries. */
public record Owlv2TextConfig(
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int maxPositionEmbeddings,
        double layerNormEps,
        String hiddenAct,
        int padTokenId,
        int bosTokenId,
        int eosTokenId) {

    /** HF class defaults (those of base-patch16). */
    public static Owlv2TextConfig defaults() {
        return new Owlv2TextConfig(49408, 512, 2048, 12, 8, 16, 1e-5, "quick_gelu", 0, 49406, 49407);
    }

    public Owlv2TextConfig {
        positive("text_config.vocab_size", vocabSize);
        positive("text_config.hidden_size", hiddenSize);
        positive("text_config.intermediate_size", intermediateSize);
        positive("text_config.num_hidden_layers", numHiddenLayers);
        positive("text_config.num_attention_heads", numAttentionHeads);
        positive("text_config.max_position_embeddings", maxPositionEmbeddings);
        if (hiddenSize % numAttentionHeads != 0) {
            throw new IllegalArgumentException("text_config.hidden_size " + hiddenSize
                    + " is not divisible by num_attention_heads " + numAttentionHeads);
        }
        Activation.of("text_config.hidden_act", hiddenAct);
    }

    static void positive(String field, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be positive, got " + value);
        }
    }

    public Activation activation() {
        return Activation.of("text_config.hidden_act", hiddenAct);
    }
}
