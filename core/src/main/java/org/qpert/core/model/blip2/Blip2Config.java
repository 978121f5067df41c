package org.qpert.core.model.blip2;

import java.util.OptionalInt;
import org.qpert.core.model.ModelConfig;
import org.qpert.core.model.ModelConfigs;
import org.qpert.core.model.VisionConfig;

/**
 * {@code Blip2Config} for {@code Blip2ForImageTextRetrieval}.
 *
 * @param imageTokenIndex when present, text ids carry a 32-id {@code <image>} prefix that the model strips (newer HF)
 */
public record Blip2Config(
        VisionConfig vision,
        QFormerConfig qformer,
        int numQueryTokens,
        int imageTextHiddenSize,
        OptionalInt imageTokenIndex) implements ModelConfig {

    @Override
    public String modelType() {
        return "blip-2";
    }

    public Blip2Config {
        ModelConfigs.positive("num_query_tokens", numQueryTokens);
        ModelConfigs.positive("image_text_hidden_size", imageTextHiddenSize);
        if (qformer.encoderHiddenSize() != vision.hiddenSize()) {
            throw new IllegalArgumentException("qformer_config.encoder_hidden_size " + qformer.encoderHiddenSize()
                    + " differs from vision_config.hidden_size " + vision.hiddenSize());
        }
    }
}
