package org.qpert.loaders.config;

import org.qpert.core.model.VisionConfig;
import org.qpert.core.model.blip2.Blip2Config;
import org.qpert.core.model.blip2.QFormerConfig;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Reads a Hugging Face BLIP-2 {@code config.json}. Hub files only hold the fields that differ from the class
 * defaults, so every absent field takes the HF default ({@link VisionConfig#defaults()},
 * {@link QFormerConfig#defaults()}, {@code num_query_tokens} 32, {@code image_text_hidden_size} 256, no
 * {@code image_token_index}); as in HF's {@code Blip2Config}, the Q-Former's {@code encoder_hidden_size} is replaced
 * by the vision width.
 */
public final class Blip2ConfigReader {
    public static final String FILE_NAME = ModelConfigReader.FILE_NAME;
    static final int DEFAULT_NUM_QUERY_TOKENS = 32;
    static final int DEFAULT_IMAGE_TEXT_HIDDEN_SIZE = 256;

    private Blip2ConfigReader() {
    }

    /** Reads {@code config.json}, given as the file or its checkpoint folder. */
    public static Blip2Config read(Path fileOrDir) throws IOException {
        Path file = ModelConfigReader.configFile(fileOrDir);
        return parse(ModelConfigReader.readText(file), file.toString());
    }

    /** Parses config text; {@code source} names it in error messages. */
    public static Blip2Config parse(String json, String source) {
        return parse(ModelConfigReader.root(json, source), source);
    }

    static Blip2Config parse(JsonFields root, String source) {
        String modelType = root.string("model_type", "blip-2");
        if (!"blip-2".equals(modelType)) {
            throw root.invalid("model_type", "is '" + modelType + "', not 'blip-2'");
        }
        try {
            VisionConfig vision = vision(root.object("vision_config"));
            QFormerConfig qformer = qformer(root.object("qformer_config")).withEncoderHiddenSize(vision.hiddenSize());
            OptionalInt imageToken = root.optionalInteger("image_token_index")
                    .map(OptionalInt::of).orElse(OptionalInt.empty());
            return new Blip2Config(vision, qformer,
                    root.integer("num_query_tokens", DEFAULT_NUM_QUERY_TOKENS),
                    root.integer("image_text_hidden_size", DEFAULT_IMAGE_TEXT_HIDDEN_SIZE),
                    imageToken);
        } catch (ConfigException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            // The config records check ranges and consistency; their messages name the field.
            throw new ConfigException(source + ": " + e.getMessage(), e);
        }
    }

    private static VisionConfig vision(JsonFields v) {
        return VisionConfigReader.read(v, VisionConfig.defaults());
    }

    private static QFormerConfig qformer(JsonFields q) {
        QFormerConfig d = QFormerConfig.defaults();
        return new QFormerConfig(
                q.integer("vocab_size", d.vocabSize()),
                q.integer("hidden_size", d.hiddenSize()),
                q.integer("num_hidden_layers", d.numHiddenLayers()),
                q.integer("num_attention_heads", d.numAttentionHeads()),
                q.integer("intermediate_size", d.intermediateSize()),
                q.integer("max_position_embeddings", d.maxPositionEmbeddings()),
                q.positive("layer_norm_eps", d.layerNormEps()),
                q.integer("pad_token_id", d.padTokenId()),
                q.integer("cross_attention_frequency", d.crossAttentionFrequency()),
                q.integer("encoder_hidden_size", d.encoderHiddenSize()),
                textInput(q).orElse(d.useQformerTextInput()),
                q.string("hidden_act", d.hiddenAct()));
    }

    /**
     * {@code use_qformer_text_input}, or the key of the Aug-2023 Hub upload, {@code qformer_text_input}, which
     * current HF silently ignores (so it would drop the text FFN); both present must agree.
     */
    private static Optional<Boolean> textInput(JsonFields q) {
        Optional<Boolean> current = q.optionalBool("use_qformer_text_input");
        Optional<Boolean> old = q.optionalBool("qformer_text_input");
        if (current.isPresent() && old.isPresent() && !current.equals(old)) {
            throw q.invalid("qformer_text_input", "(" + old.get() + ") contradicts use_qformer_text_input ("
                    + current.get() + ")");
        }
        return current.isPresent() ? current : old;
    }
}
