package org.qpert.core.model.coca;

import org.qpert.core.model.ModelConfigs;

/**
 * An open_clip CoCa's retrieval towers (spec/COCA.md §1), sizes as open_clip computes them from
 * {@code open_clip_config.json}: heads = width / head_width for the ViT, MLP width = int(width · mlp_ratio).
 *
 * @param embedDim E: pooler width = contrastive dimension = text width
 */
public record CocaConfig(int embedDim, Vision vision, Text text) {
    /** open_clip's LayerNorm epsilon, everywhere. */
    public static final double EPS = 1e-5;

    /**
     * @param width, layers, heads, mlp the ViT (Dv, Lv, heads of Dv / heads, MLP width)
     * @param poolerQueries, poolerHeads the attentional pooler (NQ queries of width E, Hp heads)
     */
    public record Vision(int width, int layers, int heads, int mlp, int imageSize, int patchSize, int poolerQueries,
                         int poolerHeads) {
        public Vision {
            ModelConfigs.positive("vision_cfg.width", width);
            ModelConfigs.positive("vision_cfg.layers", layers);
            ModelConfigs.positive("vision_cfg heads", heads);
            ModelConfigs.positive("vision_cfg mlp width", mlp);
            ModelConfigs.positive("vision_cfg.image_size", imageSize);
            ModelConfigs.positive("vision_cfg.patch_size", patchSize);
            ModelConfigs.positive("vision_cfg.attn_pooler_queries", poolerQueries);
            ModelConfigs.positive("vision_cfg.attn_pooler_heads", poolerHeads);
            if (width % heads != 0) {
                throw new IllegalArgumentException("vision_cfg.width " + width + " is not divisible into " + heads
                        + " heads");
            }
            if (imageSize % patchSize != 0) {
                throw new IllegalArgumentException("vision_cfg.image_size " + imageSize + " is not a multiple of "
                        + "patch_size " + patchSize);
            }
        }

        /** Patches per side G. */
        public int grid() {
            return imageSize / patchSize;
        }

        /** Class token + patches. */
        public int tokens() {
            return 1 + grid() * grid();
        }
    }

    /** @param context C: token positions; the appended cls makes C + 1 */
    public record Text(int context, int vocab, int width, int heads, int layers, int mlp) {
        public Text {
            ModelConfigs.positive("text_cfg.context_length", context);
            ModelConfigs.positive("text_cfg.vocab_size", vocab);
            ModelConfigs.positive("text_cfg.width", width);
            ModelConfigs.positive("text_cfg.heads", heads);
            ModelConfigs.positive("text_cfg.layers", layers);
            ModelConfigs.positive("text_cfg mlp width", mlp);
            if (width % heads != 0) {
                throw new IllegalArgumentException("text_cfg.width " + width + " is not divisible into " + heads
                        + " heads");
            }
        }
    }

    public CocaConfig {
        ModelConfigs.positive("embed_dim", embedDim);
        if (embedDim % vision.poolerHeads() != 0) {
            throw new IllegalArgumentException("embed_dim " + embedDim + " is not divisible into "
                    + vision.poolerHeads() + " pooler heads");
        }
        if (text.width() != embedDim) {
            throw new IllegalArgumentException("text_cfg.width " + text.width() + " differs from embed_dim "
                    + embedDim + " (CoCa ties them)");
        }
    }

    /** open_clip's {@code coca_ViT-L-14} (the base Hub repositories ship no config). */
    public static CocaConfig vitL14() {
        return new CocaConfig(768, new Vision(1024, 24, 16, 4096, 224, 14, 256, 8),
                new Text(76, 49408, 768, 12, 12, 3072));
    }

    /** open_clip's {@code coca_ViT-B-32}. */
    public static CocaConfig vitB32() {
        return new CocaConfig(512, new Vision(768, 12, 12, 3072, 224, 32, 256, 8),
                new Text(76, 49408, 512, 8, 12, 2048));
    }
}
