package org.qpert.core.model;

import org.qpert.core.model.blip2.Blip2Config;

/** A model family's config ({@link Blip2Config}, {@link org.qpert.core.model.owlv2.Owlv2Config}), as read from config.json. */
public interface ModelConfig {

    /** The HF {@code model_type} of the family, e.g. {@code blip-2} or {@code owlv2}. */
    String modelType();

    /** The image tower (EVA ViT for BLIP-2, CLIP ViT for OWLv2). */
    VisionConfig vision();
}
