package org.qpert.loaders.config;

import java.io.IOException;
import java.nio.file.Path;
import org.qpert.core.model.VisionConfig;
import org.qpert.core.model.owlv2.Owlv2Config;
import org.qpert.core.model.owlv2.Owlv2TextConfig;

/**
 * Reads a Hugging Face OWLv2 {@code config.json} ({@code model_type} "owlv2"). Absent fields take the HF class
 * defaults ({@link Owlv2Config#defaultVision()}, {@link Owlv2TextConfig#defaults()}, {@code projection_dim} 512).
 */
public final class Owlv2ConfigReader {

    private Owlv2ConfigReader() {
    }

    /** Reads {@code config.json}, given as the file or its checkpoint folder. */
    public static Owlv2Config read(Path fileOrDir) throws IOException {
        Path file = ModelConfigReader.configFile(fileOrDir);
        return parse(ModelConfigReader.root(ModelConfigReader.readText(file), file.toString()), file.toString());
    }

    static Owlv2Config parse(JsonFields root, String source) {
        String modelType = root.string("model_type", "");
        if (!"owlv2".equals(modelType)) {
            throw root.invalid("model_type", "is '" + modelType + "', not 'owlv2'");
        }
        try {
            return new Owlv2Config(vision(root.object("vision_config")), text(root.object("text_config")),
                    root.integer("projection_dim", Owlv2Config.DEFAULT_PROJECTION_DIM));
        } catch (ConfigException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(source + ": " + e.getMessage(), e);
        }
    }

    private static VisionConfig vision(JsonFields v) {
        VisionConfig d = Owlv2Config.defaultVision();
        int channels = v.integer("num_channels", 3);
        if (channels != 3) {
            throw v.invalid("num_channels", "is " + channels + ", only RGB (3) is supported");
        }
        // OWLv2's q/k/v always carry biases (ClipAttention loads them); `qkv_bias` is BLIP-2's key and absent here.
        return VisionConfigReader.read(v, d);
    }

    private static Owlv2TextConfig text(JsonFields t) {
        Owlv2TextConfig d = Owlv2TextConfig.defaults();
        return new Owlv2TextConfig(
                t.integer("vocab_size", d.vocabSize()),
                t.integer("hidden_size", d.hiddenSize()),
                t.integer("intermediate_size", d.intermediateSize()),
                t.integer("num_hidden_layers", d.numHiddenLayers()),
                t.integer("num_attention_heads", d.numAttentionHeads()),
                t.integer("max_position_embeddings", d.maxPositionEmbeddings()),
                t.positive("layer_norm_eps", d.layerNormEps()),
                t.string("hidden_act", d.hiddenAct()),
                t.integer("pad_token_id", d.padTokenId()),
                t.integer("bos_token_id", d.bosTokenId()),
                t.integer("eos_token_id", d.eosTokenId()));
    }
}
