package org.qpert.core.model;

/**
 * A ViT's config: {@code Blip2VisionConfig} (the EVA ViT) or {@code Owlv2VisionConfig} (CLIP's ViT, where
 * {@code qkvBias} is always true). Tokens = 1 + (imageSize / patchSize)².
 */
public record VisionConfig(
        int hiddenSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int intermediateSize,
        int imageSize,
        int patchSize,
        double layerNormEps,
        boolean qkvBias,
        String hiddenAct) {

    /** HF {@code Blip2VisionConfig} defaults (EVA ViT-g/14 as used by BLIP-2). */
    public static VisionConfig defaults() {
        return new VisionConfig(1408, 39, 16, 6144, 224, 14, 1e-6, true, "gelu");
    }

    public VisionConfig {
        ModelConfigs.positive("vision_config.hidden_size", hiddenSize);
        ModelConfigs.positive("vision_config.num_hidden_layers", numHiddenLayers);
        ModelConfigs.positive("vision_config.num_attention_heads", numAttentionHeads);
        ModelConfigs.positive("vision_config.intermediate_size", intermediateSize);
        ModelConfigs.positive("vision_config.image_size", imageSize);
        ModelConfigs.positive("vision_config.patch_size", patchSize);
        if (hiddenSize % numAttentionHeads != 0) {
            throw new IllegalArgumentException("vision_config.hidden_size " + hiddenSize
                    + " is not divisible by num_attention_heads " + numAttentionHeads);
        }
        if (imageSize % patchSize != 0) {
            throw new IllegalArgumentException("vision_config.image_size " + imageSize
                    + " is not a multiple of patch_size " + patchSize);
        }
        Activation.of("vision_config.hidden_act", hiddenAct);
    }

    public Activation activation() {
        return Activation.of("vision_config.hidden_act", hiddenAct);
    }

    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }

    /** Patches per side. */
    public int grid() {
        return imageSize / patchSize;
    }

    /** CLS + patches. */
    public int numTokens() {
        return 1 + grid() * grid();
    }
}
