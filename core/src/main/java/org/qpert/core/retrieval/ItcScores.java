package org.qpert.core.retrieval;

import java.util.Arrays;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Tensor;
import org.qpert.core.backend.WeightData;

/**
 * The image-text contrastive score of BLIP-2 (spec/QPERT.md §7): for image i and text t, the largest dot product
 * between one of the image's query embeddings and the text embedding. Both sides are expected L2-normalized already,
 * so the dot product is the cosine similarity.
 *
 * <p>Computed as one matrix product per chunk of images on the model's {@link Backend} ([images·queries, dim] ×
 * [texts, dim]ᵀ, the texts uploaded once as a weight), so the backend's matmul kernels (vectorized CPU, GPU) do the
 * work; the max over queries is taken on the host.
 */
public final class ItcScores {
    /** Upper bound on the floats of one chunk's product, so COCO-sized galleries never need gigabytes at once. */
    static final int CHUNK_FLOATS = 1 << 24;

    private ItcScores() {
    }

    /**
     * One image's ITC score: the best dot product of its vectors [queries, E] with the text feature [E] (a
     * single-vector image: its one dot product).
     */
    public static float itc(float[] imageFeatures, float[] textFeature) {
        int e = textFeature.length;
        if (e == 0 || imageFeatures.length % e != 0) {
            throw new IllegalArgumentException("image features of length " + imageFeatures.length
                    + " are not a multiple of the text feature length " + e);
        }
        float best = Float.NEGATIVE_INFINITY;
        for (int q = 0; q < imageFeatures.length / e; q++) {
            float s = 0f;
            for (int k = 0; k < e; k++) {
                s += imageFeatures[q * e + k] * textFeature[k];
            }
            best = Math.max(best, s);
        }
        return best;
    }

    /**
     * The {@code images × texts} ITC matrix.
     *
     * @param imageFeats [images, queries, dim] row-major: every image's query embeddings
     * @param textFeats  [texts, dim] row-major
     */
    public static ScoreMatrix compute(Backend backend, float[] imageFeats, int images, int queries, float[] textFeats,
                                      int texts, int dim) {
        return compute(backend, imageFeats, images, queries, textFeats, texts, dim, CHUNK_FLOATS);
    }

    /** As above with at most {@code chunkFloats} floats per product (tests use small chunks). */
    static ScoreMatrix compute(Backend backend, float[] imageFeats, int images, int queries, float[] textFeats,
                               int texts, int dim, int chunkFloats) {
        if (images < 0 || queries <= 0 || texts < 0 || dim <= 0) {
            throw new IllegalArgumentException("ITC shapes must be positive: images " + images + ", queries " + queries
                    + ", texts " + texts + ", dim " + dim);
        }
        if (imageFeats.length != (long) images * queries * dim) {
            throw new IllegalArgumentException("image features: expected " + images + " x " + queries + " x " + dim
                    + " values, got " + imageFeats.length);
        }
        if (textFeats.length != (long) texts * dim) {
            throw new IllegalArgumentException("text features: expected " + texts + " x " + dim + " values, got "
                    + textFeats.length);
        }
        float[] out = new float[Math.multiplyExact(images, texts)];
        if (images == 0 || texts == 0) {
            return new ScoreMatrix(images, texts, out);
        }
        Tensor textWeight = backend.weight(WeightData.f32(textFeats, texts, dim)); // ITC in float32 whatever the backend
        int chunk = (int) Math.max(1, Math.min(images, chunkFloats / ((long) queries * texts)));
        for (int first = 0; first < images; first += chunk) {
            int n = Math.min(chunk, images - first);
            float[] slice = Arrays.copyOfRange(imageFeats, first * queries * dim, (first + n) * queries * dim);
            float[] sims = backend.download(backend.linear(backend.upload(slice, n * queries, dim), textWeight, null));
            maxOverQueries(sims, n, queries, texts, out, first * texts);
        }
        return new ScoreMatrix(images, texts, out);
    }

    /** sims [n·queries, texts] → out[offset + i·texts + t] = max over the queries of image i. */
    private static void maxOverQueries(float[] sims, int n, int queries, int texts, float[] out, int offset) {
        for (int i = 0; i < n; i++) {
            int o = offset + i * texts;
            System.arraycopy(sims, i * queries * texts, out, o, texts);
            for (int q = 1; q < queries; q++) {
                int row = (i * queries + q) * texts;
                for (int t = 0; t < texts; t++) {
                    float v = sims[row + t];
                    out[o + t] = v > out[o + t] ? v : out[o + t];
                }
            }
        }
    }
}
