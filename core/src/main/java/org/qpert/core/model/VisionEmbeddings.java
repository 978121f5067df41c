package org.qpert.core.model;

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
        this.patchEmbedding = new Linear(w.matrix(prefix + "patch_embedding.weight", d, 3 * p * p, d, 3, p, p),
                w.row(prefix + "patch_embedding.bias", d));
        this.classEmbedding = w.table(prefix + "class_embedding", 1, d, 1, 1, d);
        this.positionEmbedding = w.table(prefix + "position_embedding", t, d, 1, t, d);
    }

    /** pixels [3, S, S] (normalized) → embeddings [T, D]. */
    Tensor forward(Backend b, float[] pixels) {
        int s = cfg.imageSize();
        if (pixels.length != 3 * s * s) {
            throw new IllegalArgumentException("pixel_values has " + pixels.length + " values, expected [3, " + s + ", "
                    + s + "] = " + 3 * s * s);
        }
        Tensor patches = b.upload(flattenPatches(pixels), cfg.grid() * cfg.grid(), 3 * cfg.patchSize() * cfg.patchSize());
        Tensor x = b.concatRows(classEmbedding, patchEmbedding.apply(b, patches)); // [T, D]
        return b.add(x, positionEmbedding);
    }

    /** Rows = patches row-major (p = row·G + col); columns in the conv weight's (channel, ky, kx) order. */
    private float[] flattenPatches(float[] px) {
        int s = cfg.imageSize(), p = cfg.patchSize(), g = cfg.grid(), cols = 3 * p * p;
        float[] out = new float[g * g * cols];
        for (int gy = 0; gy < g; gy++) {
            for (int gx = 0; gx < g; gx++) {
                int o = (gy * g + gx) * cols;
                for (int c = 0; c < 3; c++) {
                    for (int ky = 0; ky < p; ky++) {
                        System.arraycopy(px, c * s * s + (gy * p + ky) * s + gx * p, out, o + (c * p + ky) * p, p);
                    }
                }
            }
        }
        return out;
    }
}
