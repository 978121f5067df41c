package org.qpert.core.model;

import java.util.List;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Tensor;

/**
 * ViT embeddings ({@code Blip2VisionEmbeddings}, {@code Owlv2VisionEmbeddings}, open_clip's {@code VisionTransformer}
 * stem): the p×p patch conv (as a Linear over flattened patches), the class token prepended, position embeddings
 * added.
 */
public final class VisionEmbeddings {
    private final int imageSize;
    private final int patchSize;
    private final Linear patchEmbedding; // [D, 3·p·p], bias [1, D] or null
    private final Tensor classEmbedding; // [1, D]
    private final Tensor positionEmbedding; // [T, D]

    private VisionEmbeddings(VisionConfig cfg, Linear patchEmbedding, Tensor classEmbedding, Tensor positionEmbedding) {
        this.imageSize = cfg.imageSize();
        this.patchSize = cfg.patchSize();
        this.patchEmbedding = patchEmbedding;
        this.classEmbedding = classEmbedding;
        this.positionEmbedding = positionEmbedding;
    }

    /** BLIP-2: {@code vision_model.embeddings.*}, conv with bias, class [1, 1, D], positions [1, T, D]. */
    public static VisionEmbeddings blip2(ModelWeights w, VisionConfig cfg) {
        int d = cfg.hiddenSize(), t = cfg.numTokens();
        String prefix = "vision_model.embeddings.";
        return new VisionEmbeddings(cfg, new Linear(patchWeight(w, prefix, cfg), w.row(prefix + "patch_embedding.bias", d)),
                w.table(prefix + "class_embedding", 1, d, 1, 1, d),
                w.table(prefix + "position_embedding", t, d, 1, t, d));
    }

    /** CLIP / OWLv2: {@code PREFIX.*}, conv without bias, class [D], positions {@code position_embedding.weight} [T, D]. */
    public static VisionEmbeddings clip(ModelWeights w, String prefix, VisionConfig cfg) {
        int d = cfg.hiddenSize(), t = cfg.numTokens();
        return new VisionEmbeddings(cfg, new Linear(patchWeight(w, prefix, cfg), null),
                w.table(prefix + "class_embedding", 1, d, d),
                w.table(prefix + "position_embedding.weight", t, d));
    }

    /** open_clip: {@code visual.conv1.weight} without bias, {@code visual.class_embedding} [D], positions [T, D]. */
    public static VisionEmbeddings openClip(ModelWeights w, VisionConfig cfg) {
        int d = cfg.hiddenSize(), t = cfg.numTokens(), p = cfg.patchSize();
        return new VisionEmbeddings(cfg, new Linear(w.matrix("visual.conv1.weight", d, 3 * p * p, d, 3, p, p), null),
                w.table("visual.class_embedding", 1, d, d), w.table("visual.positional_embedding", t, d));
    }

    private static Tensor patchWeight(ModelWeights w, String prefix, VisionConfig cfg) {
        int d = cfg.hiddenSize(), p = cfg.patchSize();
        return w.matrix(prefix + "patch_embedding.weight", d, 3 * p * p, d, 3, p, p);
    }

    /** pixels [3, S, S] (normalized) → embeddings [T, D]: the batch of one. */
    public Tensor forward(Backend b, float[] pixels) {
        return forward(b, List.of(pixels));
    }

    /**
     * B images' pixels [3, S, S] (normalized) → embeddings [B·T, D], image i at rows i·T..: its CLS row, then its
     * patches, plus the positions 0..T-1.
     */
    public Tensor forward(Backend b, List<float[]> pixels) {
        int s = imageSize, n = pixels.size(), g = s / patchSize, patches = g * g, t = patches + 1;
        int cols = 3 * patchSize * patchSize;
        if (n == 0) {
            throw new IllegalArgumentException("no images to embed");
        }
        float[] flat = new float[Math.multiplyExact(n, patches * cols)];
        for (int i = 0; i < n; i++) {
            float[] px = pixels.get(i);
            if (px.length != 3 * s * s) {
                throw new IllegalArgumentException((n == 1 ? "" : "image " + i + ": ") + "pixel_values has "
                        + px.length + " values, expected [3, " + s + ", " + s + "] = " + 3 * s * s);
            }
            flattenPatches(px, flat, i * patches * cols);
        }
        Tensor embedded = patchEmbedding.apply(b, b.upload(flat, n * patches, cols)); // [B·(T-1), D]
        int[] rows = new int[n * t], positions = new int[n * t];
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < t; p++) {
                rows[i * t + p] = p == 0 ? 0 : 1 + i * patches + p - 1; // row 0 of the table is CLS
                positions[i * t + p] = p;
            }
        }
        Tensor x = b.gatherRows(b.concatRows(classEmbedding, embedded), rows); // [B·T, D]
        return b.add(x, b.gatherRows(positionEmbedding, positions));
    }

    /** Rows = patches row-major (p = row·G + col); columns in the conv weight's (channel, ky, kx) order. */
    private void flattenPatches(float[] px, float[] out, int at) {
        int s = imageSize, p = patchSize, g = s / p, cols = 3 * p * p;
        for (int gy = 0; gy < g; gy++) {
            for (int gx = 0; gx < g; gx++) {
                int o = at + (gy * g + gx) * cols;
                for (int c = 0; c < 3; c++) {
                    for (int ky = 0; ky < p; ky++) {
                        System.arraycopy(px, c * s * s + (gy * p + ky) * s + gx * p, out, o + (c * p + ky) * p, p);
                    }
                }
            }
        }
    }
}
