package org.qpert.core.model.internvl;

import java.util.Optional;
import org.qpert.core.model.ModelConfigs;

/**
 * An InternVL-14B checkpoint's retrieval models (spec/INTERNVL.md §1), every size as {@code config.json} gives it (the
 * reference code's hard-coded 3200 and 96 are {@code vision.width} and {@code queries} here).
 *
 * @param queries      Nq learned query tokens of the InternVL-G image pass ({@code num_query_token})
 * @param poolHeads    heads of both attention-pooling blocks ({@code attn_pool_num_heads})
 * @param embedDim     E, the retrieval embedding ({@code clip_embed_dim})
 * @param architecture the variant {@code architectures} names ({@code InternVL_C}, {@code InternVL_G}); empty for the
 *                     Hub's {@code InternVLModel}, which holds both
 */
public record InternvlConfig(Vision vision, Qllama qllama, int queries, int poolHeads, int embedDim,
                             Optional<InternvlVariant> architecture) {
    /** The attention-pooling blocks' LayerNorm epsilon (fixed in the reference code). */
    public static final double POOL_EPS = 1e-5;

    /**
     * InternViT ({@code vision_config}): width Dv, layers, heads, MLP width, image side S, patch p, RMSNorm eps,
     * whether qkv has a bias and whether q and k are RMS-normed over the full width.
     */
    public record Vision(int width, int layers, int heads, int mlp, int imageSize, int patchSize, double eps,
                         boolean qkvBias, boolean qkNorm) {
        public Vision {
            ModelConfigs.positive("vision_config.hidden_size", width);
            ModelConfigs.positive("vision_config.num_hidden_layers", layers);
            ModelConfigs.positive("vision_config.num_attention_heads", heads);
            ModelConfigs.positive("vision_config.intermediate_size", mlp);
            ModelConfigs.positive("vision_config.image_size", imageSize);
            ModelConfigs.positive("vision_config.patch_size", patchSize);
            if (width % heads != 0) {
                throw new IllegalArgumentException("vision_config.hidden_size " + width + " is not divisible by "
                        + "num_attention_heads " + heads);
            }
            if (imageSize % patchSize != 0) {
                throw new IllegalArgumentException("vision_config.image_size " + imageSize + " is not a multiple of "
                        + "patch_size " + patchSize);
            }
        }

        public int grid() {
            return imageSize / patchSize;
        }

        /** T: class token + patches. */
        public int tokens() {
            return 1 + grid() * grid();
        }
    }

    /**
     * QLLaMA ({@code qllama_config}): width Dq, layers, heads, MLP width, vocabulary, RMSNorm eps, rotary base,
     * cross-attention in every layer i with {@code i % crossFrequency == 0}.
     */
    public record Qllama(int width, int layers, int heads, int mlp, int vocab, double eps, double ropeTheta,
                         int crossFrequency) {
        public Qllama {
            ModelConfigs.positive("qllama_config.hidden_size", width);
            ModelConfigs.positive("qllama_config.num_hidden_layers", layers);
            ModelConfigs.positive("qllama_config.num_attention_heads", heads);
            ModelConfigs.positive("qllama_config.intermediate_size", mlp);
            ModelConfigs.positive("qllama_config.vocab_size", vocab);
            ModelConfigs.positive("qllama_config.cross_attention_frequency", crossFrequency);
            if (width % heads != 0 || (width / heads) % 2 != 0) {
                throw new IllegalArgumentException("qllama_config.hidden_size " + width + " does not split into "
                        + heads + " heads of an even width (rotary)");
            }
            if (!(ropeTheta > 0)) {
                throw new IllegalArgumentException("qllama_config rope_theta must be positive, got " + ropeTheta);
            }
        }

        public int headDim() {
            return width / heads;
        }

        public boolean hasCrossAttention(int layer) {
            return layer % crossFrequency == 0;
        }

        /** The layers with cross-attention, ascending. */
        public int[] crossLayers() {
            return java.util.stream.IntStream.range(0, layers).filter(this::hasCrossAttention).toArray();
        }
    }

    public InternvlConfig {
        ModelConfigs.positive("num_query_token", queries);
        ModelConfigs.positive("attn_pool_num_heads", poolHeads);
        ModelConfigs.positive("clip_embed_dim", embedDim);
        if (vision.width() % poolHeads != 0 || qllama.width() % poolHeads != 0) {
            throw new IllegalArgumentException("attn_pool_num_heads " + poolHeads + " divides neither the vision "
                    + "width " + vision.width() + " nor the QLLaMA width " + qllama.width() + " evenly");
        }
        java.util.Objects.requireNonNull(architecture);
    }
}
