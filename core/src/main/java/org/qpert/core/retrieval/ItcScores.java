package org.qpert.core.retrieval;

import java.util.stream.IntStream;

/**
 * The image-text contrastive score of BLIP-2 (spec/QPERT.md §7): for image i and text t, the largest dot product
 * between one of the image's query embeddings and the text embedding. Both sides are expected L2-normalized already,
 * so the dot product is the cosine similarity.
 */
public final class ItcScores {
    /** Texts per block: a block of the transposed text matrix (dim × BLOCK floats) fits in L2. */
    private static final int BLOCK = 256;

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
        float[] out = new float[Math.multiplyExact(images, texts)];
        float[] byDim = transpose(textFeats, texts, dim);
        // One image per task; its queries are few and stay in cache while the texts stream past in blocks.
        IntStream.range(0, images).parallel().forEach(i -> imageRow(imageFeats, i, queries, byDim, texts, dim, out));
        return new ScoreMatrix(images, texts, out);
    }

    /**
     * For each block of texts and each query: acc[t] += q[k] · text[t][k] over k, an axpy over contiguous texts that
     * the JIT vectorizes; then best[t] = max over queries.
     */
    private static void imageRow(float[] imageFeats, int image, int queries, float[] byDim, int texts, int dim,
                                 float[] out) {
        float[] acc = new float[BLOCK];
        float[] best = new float[BLOCK];
        int imageBase = image * queries * dim;
        for (int t0 = 0; t0 < texts; t0 += BLOCK) {
            int n = Math.min(BLOCK, texts - t0);
            java.util.Arrays.fill(best, 0, n, Float.NEGATIVE_INFINITY);
            for (int q = 0; q < queries; q++) {
                java.util.Arrays.fill(acc, 0, n, 0f);
                int qb = imageBase + q * dim;
                for (int k = 0; k < dim; k++) {
                    float a = imageFeats[qb + k];
                    int row = k * texts + t0;
                    for (int j = 0; j < n; j++) {
                        acc[j] += a * byDim[row + j];
                    }
                }
                for (int j = 0; j < n; j++) {
                    best[j] = acc[j] > best[j] ? acc[j] : best[j];
                }
            }
            System.arraycopy(best, 0, out, image * texts + t0, n);
        }
    }

    private static float[] transpose(float[] m, int rows, int cols) {
        float[] t = new float[m.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = m[r * cols + c];
            }
        }
        return t;
    }
}
