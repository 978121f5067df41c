package org.qpert.core.model.blip2;

import org.qpert.core.model.ModelConfigs;

/** {@code Blip2QFormerConfig}: the BERT-style Q-Former. */
public record QFormerConfig(
        int vocabSize,
        int hiddenSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int intermediateSize,
        int maxPositionEmbeddings,
        double layerNormEps,
        int padTokenId,
        int crossAttentionFrequency,
        int encoderHiddenSize,
        boolean useQformerTextInput,
        String hiddenAct) {

    /** HF class defaults; {@code encoder_hidden_size} is later overwritten with the vision width by Blip2Config. */
    public static QFormerConfig defaults() {
        return new QFormerConfig(30522, 768, 12, 12, 3072, 512, 1e-12, 0, 2, 1408, false, "gelu");
    }

    public QFormerConfig {
        ModelConfigs.positive("qformer_config.vocab_size", vocabSize);
        ModelConfigs.positive("qformer_config.hidden_size", hiddenSize);
        ModelConfigs.positive("qformer_config.num_hidden_layers", numHiddenLayers);
        ModelConfigs.positive("qformer_config.num_attention_heads", numAttentionHeads);
        ModelConfigs.positive("qformer_config.intermediate_size", intermediateSize);
        ModelConfigs.positive("qformer_config.max_position_embeddings", maxPositionEmbeddings);
        ModelConfigs.positive("qformer_config.cross_attention_frequency", crossAttentionFrequency);
        ModelConfigs.positive("qformer_config.encoder_hidden_size", encoderHiddenSize);
        if (hiddenSize % numAttentionHeads != 0) {
            throw new IllegalArgumentException("qformer_config.hidden_size " + hiddenSize
                    + " is not divisible by num_attention_heads " + numAttentionHeads);
        }
        ModelConfigs.requireGelu("qformer_config.hidden_act", hiddenAct);
    }

    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    /** HF: {@code layer_idx % cross_attention_frequency == 0}. */
    public boolean hasCrossAttention(int layer) {
        return layer % crossAttentionFrequency == 0;
    }

    /** Indices of the layers with cross-attention, ascending. */
    public int[] crossAttentionLayers() {
        return java.util.stream.IntStream.range(0, numHiddenLayers).filter(this::hasCrossAttention).toArray();
    }

    public QFormerConfig withEncoderHiddenSize(int size) {
        return new QFormerConfig(vocabSize, hiddenSize, numHiddenLayers, numAttentionHeads, intermediateSize,
                maxPositionEmbeddings, layerNormEps, padTokenId, crossAttentionFrequency, size, useQformerTextInput,
                hiddenAct);
    }
}
