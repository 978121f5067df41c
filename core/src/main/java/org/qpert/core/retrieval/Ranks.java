package org.qpert.core.retrieval;

/**
 * 1-based ranks of ground-truth items in score rows.
 *
 * <p>Ties are broken deterministically by column index: a column's rank is 1 + the number of columns with a strictly
 * higher score + the number of columns with an equal score and a smaller index. This is the position the column takes
 * in a stable descending sort, the same order as {@link TopK}. It does not favour the ground truth: an item tied with
 * a wrong item of smaller index ranks after it. NaN scores are rejected.
 */
public final class Ranks {
    private Ranks() {
    }

    /** Rank of column {@code target} in row {@code row}. */
    public static int rankInRow(ScoreMatrix m, int row, int target) {
        if (target < 0 || target >= m.cols()) {
            throw new IllegalArgumentException("column " + target + " outside 0.." + (m.cols() - 1));
        }
        float[] v = m.values();
        int base = row * m.cols();
        float s = v[base + target];
        if (Float.isNaN(s)) {
            throw new IllegalArgumentException("score matrix has NaN at row " + row + ", column " + target);
        }
        int before = 0;
        for (int c = 0; c < m.cols(); c++) {
            float x = v[base + c];
            if (Float.isNaN(x)) {
                throw new IllegalArgumentException("score matrix has NaN at row " + row + ", column " + c);
            }
            if (x > s || (x == s && c < target)) {
                before++;
            }
        }
        return before + 1;
    }

    /**
     * Image→text ranks: for each image (row of {@code imageToText}, images × texts) the best rank among its
     * captions.
     *
     * @param textImage the image each text describes
     */
    public static int[] imageToText(ScoreMatrix imageToText, int[] textImage) {
        requireMapping(imageToText.cols(), imageToText.rows(), textImage, "image-to-text matrix");
        int[] best = new int[imageToText.rows()];
        for (int t = 0; t < textImage.length; t++) {
            int i = textImage[t];
            int r = rankInRow(imageToText, i, t);
            best[i] = best[i] == 0 ? r : Math.min(best[i], r);
        }
        for (int i = 0; i < best.length; i++) {
            if (best[i] == 0) {
                throw new IllegalArgumentException("image " + i + " has no caption, so it has no image-to-text rank");
            }
        }
        return best;
    }

    /** Text→image ranks: for each text (row of {@code textToImage}, texts × images) the rank of its image. */
    public static int[] textToImage(ScoreMatrix textToImage, int[] textImage) {
        requireMapping(textToImage.rows(), textToImage.cols(), textImage, "text-to-image matrix");
        int[] ranks = new int[textImage.length];
        for (int t = 0; t < ranks.length; t++) {
            ranks[t] = rankInRow(textToImage, t, textImage[t]);
        }
        return ranks;
    }

    private static void requireMapping(int texts, int images, int[] textImage, String what) {
        if (textImage.length != texts) {
            throw new IllegalArgumentException(what + " has " + texts + " texts but the caption map has "
                    + textImage.length);
        }
        for (int t = 0; t < textImage.length; t++) {
            if (textImage[t] < 0 || textImage[t] >= images) {
                throw new IllegalArgumentException("text " + t + " maps to image " + textImage[t] + ", outside 0.."
                        + (images - 1));
            }
        }
    }
}
