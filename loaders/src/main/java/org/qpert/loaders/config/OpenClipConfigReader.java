package org.qpert.loaders.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.qpert.core.model.coca.CocaConfig;
import org.qpert.loaders.image.ClipImageProcessor;

/**
 * Reads open_clip's {@code open_clip_config.json} ({@code {"model_cfg": {...}, "preprocess_cfg": {...}}}, spec/COCA.md
 * §1) for a CoCa: every absent key takes open_clip's dataclass default ({@code CLIPVisionCfg}, {@code CLIPTextCfg});
 * heads = width / head_width for the ViT, MLP width = int(width · mlp_ratio). What the port does not implement (two
 * poolers, QuickGELU, layer scale, no ln_pre, no appended cls) is refused by name rather than computed wrong.
 */
public final class OpenClipConfigReader {
    public static final String FILE_NAME = "open_clip_config.json";

    private OpenClipConfigReader() {
    }

    /** Whether {@code dir} holds an open_clip config. */
    public static boolean present(Path dir) {
        return Files.isRegularFile(dir.resolve(FILE_NAME));
    }

    /** Reads {@code open_clip_config.json} of the folder {@code dir} (or the file itself). */
    public static CocaConfig read(Path fileOrDir) throws IOException {
        Path file = Files.isDirectory(fileOrDir) ? fileOrDir.resolve(FILE_NAME) : fileOrDir;
        return parse(ModelConfigReader.readText(file), file.toString());
    }

    /** open_clip's built-in config of that name ({@code coca_ViT-L-14}, {@code coca_ViT-B-32}), if it is one. */
    public static Optional<CocaConfig> builtIn(String name) {
        return switch (name) {
            case "coca_ViT-L-14" -> Optional.of(CocaConfig.vitL14());
            case "coca_ViT-B-32" -> Optional.of(CocaConfig.vitB32());
            default -> Optional.empty();
        };
    }

    /**
     * The normalization of {@code preprocess_cfg} as {mean, std} (CLIP's when absent), refusing a resize mode other
     * than open_clip's default {@code shortest}.
     */
    public static float[][] normalization(Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        JsonFields root = ModelConfigReader.root(ModelConfigReader.readText(file), file.toString());
        JsonFields p = root.object("preprocess_cfg");
        String mode = p.string("resize_mode", "shortest");
        if (!mode.equals("shortest")) {
            throw p.invalid("resize_mode", "is '" + mode + "'; only open_clip's 'shortest' (resize, centre crop) is "
                    + "implemented");
        }
        return new float[][] {triple(p, "mean", ClipImageProcessor.CLIP_MEAN),
                triple(p, "std", ClipImageProcessor.CLIP_STD)};
    }

    private static float[] triple(JsonFields p, String key, float[] fallback) {
        if (!p.has(key)) {
            return fallback.clone();
        }
        List<Double> v = p.numbers(key);
        if (v.size() != 3) {
            throw p.invalid(key, "has " + v.size() + " values, expected 3 (R, G, B)");
        }
        return new float[] {v.get(0).floatValue(), v.get(1).floatValue(), v.get(2).floatValue()};
    }

    public static CocaConfig parse(String json, String source) {
        JsonFields root = ModelConfigReader.root(json, source);
        JsonFields model = root.has("model_cfg") ? root.object("model_cfg") : root;
        try {
            return model(model);
        } catch (ConfigException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new ConfigException(source + ": " + e.getMessage(), e);
        }
    }

    private static CocaConfig model(JsonFields m) {
        if (m.optionalBool("quick_gelu").orElse(false)) {
            throw m.invalid("quick_gelu", "is true; CoCa checkpoints use exact GELU and QuickGELU is not implemented");
        }
        int embed = m.integer("embed_dim", 512);
        JsonFields v = m.object("vision_cfg");
        if (!v.has("attentional_pool") || !v.optionalBool("attentional_pool").orElse(false)) {
            throw v.invalid("attentional_pool", "is not true: not a CoCa image tower with one attentional pooler");
        }
        refuseSet(v, "ls_init_value");
        if (v.optionalBool("no_ln_pre").orElse(false)) {
            throw v.invalid("no_ln_pre", "is true, which is not implemented");
        }
        int width = v.integer("width", 768);
        int headWidth = v.integer("head_width", 64);
        if (headWidth <= 0 || width % headWidth != 0) {
            throw v.invalid("head_width", headWidth + " does not divide the width " + width);
        }
        CocaConfig.Vision vision = new CocaConfig.Vision(width, v.integer("layers", 12), width / headWidth,
                (int) (width * v.positive("mlp_ratio", 4.0)), v.integer("image_size", 224),
                v.integer("patch_size", 16), v.integer("attn_pooler_queries", 256),
                v.integer("attn_pooler_heads", 8));
        JsonFields t = m.object("text_cfg");
        if (!t.optionalBool("embed_cls").orElse(false)) {
            throw t.invalid("embed_cls", "is not true: CoCa's text tower appends a cls token, which it pools");
        }
        refuseSet(t, "ls_init_value");
        int textWidth = t.integer("width", 512);
        CocaConfig.Text text = new CocaConfig.Text(t.integer("context_length", 77), t.integer("vocab_size", 49408),
                textWidth, t.integer("heads", 8), t.integer("layers", 12), (int) (textWidth * t.positive("mlp_ratio",
                4.0)));
        return new CocaConfig(embed, vision, text);
    }

    /** Refuses a numeric option that is set (not absent, not null): what it would change is not implemented. */
    private static void refuseSet(JsonFields f, String key) {
        if (!Double.isNaN(f.number(key, Double.NaN))) {
            throw f.invalid(key, "is set, which is not implemented (layer scale)");
        }
    }
}
