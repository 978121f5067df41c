package org.qpert.loaders.config;

import org.qpert.core.model.VisionConfig;

/** The `vision_config` fields BLIP-2's ViT and OWLv2's CLIP ViT share, each family with its own HF defaults. */
final class VisionConfigReader {
    private VisionConfigReader() {
    }

    static VisionConfig read(JsonFields v, VisionConfig d) {
        return new VisionConfig(
                v.integer("hidden_size", d.hiddenSize()),
                v.integer("num_hidden_layers", d.numHiddenLayers()),
                v.integer("num_attention_heads", d.numAttentionHeads()),
                v.integer("intermediate_size", d.intermediateSize()),
                v.integer("image_size", d.imageSize()),
                v.integer("patch_size", d.patchSize()),
                v.positive("layer_norm_eps", d.layerNormEps()),
                v.optionalBool("qkv_bias").orElse(d.qkvBias()),
                v.string("hidden_act", d.hiddenAct()));
    }
}
