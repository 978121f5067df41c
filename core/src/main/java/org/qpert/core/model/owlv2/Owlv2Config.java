package org.qpert.core.model.owlv2;

import org.qpert.core.model.ModelConfig;
import org.qpert.core.model.VisionConfig;

/**
 * {@code Owlv2Config} for {@code Owlv2ForObjectDetection}: the CLIP vision tower ({@link VisionConfig}, quick_gelu),
 * the CLIP text tower and the projection width of the query embeddings.
 */
public record Owlv2Config(VisionConfig vision, Owlv2TextConfig text, int projectionDim) implements ModelConfig {

    /** HF {@code Owlv2VisionConfig} defaults (base-patch16, but image 768: the Hub configs set 960). */
    public static VisionConfig defaultVision() {
        return new VisionConfig(768, 12, 12, 3072, 768, 16, 1e-5, true, "quick_gelu");
    }

    public static final int DEFAULT_PROJECTION_DIM = 512;

    public Owlv2Config {
        Owlv2TextConfig.positive("projection_dim", projectionDim);
        if (projectionDim != text.hiddenSize()) {
            // The class head's dense0 maps image features to text_config.hidden_size and compares them with the
            // projected query embeddings, so the two widths must agree (they do in every released checkpoint).
            throw new IllegalArgumentException("projection_dim " + projectionDim + " differs from text_config.hidden_size "
                    + text.hiddenSize() + " (the class head compares the two)");
        }
    }

    @Override
    public String modelType() {
        return "owlv2";
    }

    /** Patches per side, g = image_size / patch_size. */
    public int grid() {
        return vision.grid();
    }
}
