package org.qpert.loaders.config;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.qpert.core.model.internvl.InternvlConfig;
import org.qpert.core.model.internvl.InternvlVariant;

/**
 * Reads an InternVL-14B {@code config.json} ({@code model_type} {@code internvl}, spec/INTERNVL.md §1). Absent fields
 * take the real checkpoint's values (InternViT-6B, QLLaMA-8B, 96 queries, 16 pooling heads, E 768), as the remote
 * code's config classes default to them. {@code architectures} naming {@code InternVL_C} or {@code InternVL_G} fixes
 * the variant; {@code InternVLModel} (the Hub's) leaves it to a setting. What the port does not compute (another
 * activation or norm, grouped-query attention, rotary scaling, a resized position embedding) is refused by name.
 */
public final class InternvlConfigReader {
    public static final String MODEL_TYPE = "internvl";

    private InternvlConfigReader() {
    }

    /** Reads {@code config.json}, given as the file or its checkpoint folder. */
    public static InternvlConfig read(Path fileOrDir) throws IOException {
        Path file = ModelConfigReader.configFile(fileOrDir);
        return parse(ModelConfigReader.readText(file), file.toString());
    }

    /** Parses config text; {@code source} names it in error messages. */
    public static InternvlConfig parse(String json, String source) {
        JsonFields root = ModelConfigReader.root(json, source);
        String modelType = root.string("model_type", "");
        if (!MODEL_TYPE.equals(modelType)) {
            throw root.invalid("model_type", "is '" + modelType + "', not '" + MODEL_TYPE + "'");
        }
        try {
            InternvlConfig.Vision vision = vision(root.object("vision_config"));
            root.optionalInteger("force_image_size").ifPresent(s -> {
                if (s != vision.imageSize()) {
                    throw root.invalid("force_image_size", "is " + s + " but vision_config.image_size is "
                            + vision.imageSize() + "; resizing the position embedding is not implemented");
                }
            });
            return new InternvlConfig(vision, qllama(root.object("qllama_config")),
                    root.integer("num_query_token", 96), root.integer("attn_pool_num_heads", 16),
                    root.integer("clip_embed_dim", 768), architecture(root));
        } catch (ConfigException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(source + ": " + e.getMessage(), e);
        }
    }

    private static Optional<InternvlVariant> architecture(JsonFields root) {
        Optional<InternvlVariant> found = Optional.empty();
        for (String a : root.strings("architectures")) {
            for (InternvlVariant v : InternvlVariant.values()) {
                if (a.equals(v.architecture())) {
                    if (found.isPresent() && found.get() != v) {
                        throw root.invalid("architectures", "names both InternVL_C and InternVL_G");
                    }
                    found = Optional.of(v);
                }
            }
        }
        return found;
    }

    private static InternvlConfig.Vision vision(JsonFields v) {
        String act = v.string("hidden_act", "gelu");
        if (!act.equals("gelu")) {
            throw v.invalid("hidden_act", "is '" + act + "'; InternViT uses exact erf 'gelu'");
        }
        String norm = v.string("norm_type", "rms_norm");
        if (!norm.equals("rms_norm")) {
            throw v.invalid("norm_type", "is '" + norm + "'; only InternViT-6B's 'rms_norm' is implemented");
        }
        int channels = v.integer("num_channels", 3);
        if (channels != 3) {
            throw v.invalid("num_channels", "is " + channels + "; images are RGB");
        }
        return new InternvlConfig.Vision(v.integer("hidden_size", 3200), v.integer("num_hidden_layers", 48),
                v.integer("num_attention_heads", 25), v.integer("intermediate_size", 12800),
                v.integer("image_size", 224), v.integer("patch_size", 14), v.positive("layer_norm_eps", 1e-6),
                v.optionalBool("qkv_bias").orElse(false), v.optionalBool("qk_normalization").orElse(true));
    }

    private static InternvlConfig.Qllama qllama(JsonFields q) {
        String act = q.string("hidden_act", "silu");
        if (!act.equals("silu")) {
            throw q.invalid("hidden_act", "is '" + act + "'; QLLaMA's MLP is SwiGLU ('silu')");
        }
        int width = q.integer("hidden_size", 4096), heads = q.integer("num_attention_heads", 32);
        int kvHeads = q.integer("num_key_value_heads", heads);
        if (kvHeads != heads) {
            throw q.invalid("num_key_value_heads", "is " + kvHeads + " for " + heads + " heads; grouped-query "
                    + "attention is not implemented");
        }
        q.optionalInteger("head_dim").ifPresent(d -> {
            if (heads <= 0 || d * heads != width) {
                throw q.invalid("head_dim", "is " + d + " but hidden_size " + width + " / " + heads + " heads");
            }
        });
        if (q.has("rope_scaling") && !q.object("rope_scaling").isEmpty()) {
            throw q.invalid("rope_scaling", "is set; scaled rotary positions are not implemented");
        }
        JsonFields rope = q.object("rope_parameters");
        String type = rope.string("rope_type", "default");
        if (!type.equals("default")) {
            throw rope.invalid("rope_type", "is '" + type + "'; only the default rotary embedding is implemented");
        }
        double theta = rope.has("rope_theta") ? rope.positive("rope_theta", 10000) : q.positive("rope_theta", 10000);
        if (q.optionalBool("attention_bias").orElse(false) || q.optionalBool("mlp_bias").orElse(false)) {
            throw q.invalid("attention_bias", "or mlp_bias is true; QLLaMA's projections have no bias");
        }
        return new InternvlConfig.Qllama(width, q.integer("num_hidden_layers", 32), heads,
                q.integer("intermediate_size", 11008), q.integer("vocab_size", 49954), q.positive("rms_norm_eps", 1e-6),
                theta, q.integer("cross_attention_frequency", 2));
    }
}
