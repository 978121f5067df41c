package org.qpert.core.model;

import java.util.List;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Tensor;

/** {@code Blip2VisionEmbeddings}: 14×14 patch conv (as a Linear over flattened patches), CLS token, positions. */
final class VisionEmbeddings {
    private final VisionConfig cfg;
    private final Linear patchEmbedding; // [D, 3·p·p]
    private final Tensor classEmbedding; // [1, D]
    private final Tensor positionEmbedding; // [T, D]

    VisionEmbeddings(ModelWeights w, VisionConfig cfg) {
        this.cfg = cfg;
        int d = cfg.hiddenSize(), p = cfg.patchSize(), t = cfg.numTokens();
        String prefix = "vision_model.embeddings.";
        float[] conv = w.floats(prefix + "patch_embedding.weight", d, 3, p, p);
        this.patchEmbedding = new Linear(w.backend().weight(conv, d, 3 * p * p), w.row(prefix + "patch_embedding.bias", d));
        this.classEmbedding = w.table(prefix + "class_embedding", 1, d, 1, 1, d);
        this.positionEmbedding = w.table(prefix + "position_embedding", t, d, 1, t, d);
    }

    /**
     * B images' pixels [3, S, S] (normalized) → embeddings [B·T, D], image i at rows i·T..: its CLS row, then its
     * patches, plus the positions 0..T-1.
     */
    Tensor forward(Backend b, List<float[]> pixels) {
        int s = cfg.imageSize(), n = pixels.size(), patches = cfg.grid() * cfg.grid(), t = patches + 1;
        int cols = 3 * cfg.patchSize() * cfg.patchSize();
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
        int s = cfg.imageSize(), p = cfg.patchSize(), g = cfg.grid(), cols = 3 * p * p;
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
