package org.qpert.core.retrieval;

import java.util.stream.IntStream;

/**
 * The image-text contrastive score of BLIP-2 (spec/QPERT.md §7): for image i and text t, the largest dot product
 * between one of the image's query embeddings and the text embedding. Both sides are expected L2-normalized already,
 * so the dot product is the cosine similarity.
 */
public final class ItcScores {
    private ItcScores() {
    }

    /**
     * The {@code images × texts} ITC matrix.
     *
     * @param imageFeats [images, queries, dim] row-major: every image's query embeddings
     * @param textFeats  [texts, dim] row-major
     */
    public static ScoreMatrix compute(float[] imageFeats, int images, int queries, float[] textFeats, int texts,
                                      int dim) {
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
        float[] out = new float[images * texts];
        // One image per task: the image's queries stay in cache while all texts stream past once.
        IntStream.range(0, images).parallel().forEach(i -> imageRow(imageFeats, i, queries, textFeats, texts, dim, out));
        return new ScoreMatrix(images, texts, out);
    }

    private static void imageRow(float[] imageFeats, int image, int queries, float[] textFeats, int texts, int dim,
                                 float[] out) {
        int rowBase = image * texts;
        int imageBase = image * queries * dim;
        for (int t = 0; t < texts; t++) {
            int tb = t * dim;
            float best = Float.NEGATIVE_INFINITY;
            for (int q = 0; q < queries; q++) {
                int qb = imageBase + q * dim;
                float s = 0f;
                for (int k = 0; k < dim; k++) {
                    s = Math.fma(imageFeats[qb + k], textFeats[tb + k], s);
                }
                best = Math.max(best, s);
            }
            out[rowBase + t] = best;
        }
    }
}
