package org.qpert.core.retrieval;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * ITM re-ranking of the ITC top-k (spec/QPERT.md §7). Inside the top-k of a query the score is the ITM class-1 logit
 * plus ITC; outside it, −100 + ITC, which keeps every rank beyond k well defined and ordered by ITC. A pair in the
 * top-k of both directions is scored by ITM once.
 */
public final class Reranker {
    /** Score given to pairs outside the top-k, before ITC is added. */
    public static final float OUTSIDE = -100f;

    private Reranker() {
    }

    /** ITM class-1 logits of one image against several texts; all texts of one image come in one call. Called from
     * several threads at once for different images. */
    @FunctionalInterface
    public interface MatchScorer {
        /** @return one logit per entry of {@code texts}, same order */
        float[] score(int image, int[] texts);
    }

    /**
     * @param imageToText images × texts scores; rows rank captions for an image
     * @param textToImage texts × images scores; rows rank images for a text
     * @param pairsScored number of ITM evaluations made
     */
    public record Result(ScoreMatrix imageToText, ScoreMatrix textToImage, long pairsScored) {
    }

    /** The top-k texts of each image and top-k images of each text are re-scored; progress counts images. */
    public static Result rerank(ScoreMatrix itc, int k, MatchScorer itm, Progress progress) {
        return rerank(itc, itc.rows(), k, itm, progress);
    }

    /**
     * As {@link #rerank(ScoreMatrix, int, MatchScorer, Progress)} where only the first {@code queryImages} images are
     * image-to-text queries (the others are distractors of an enlarged pool, in the gallery of every text only): the
     * result's image-to-text matrix has those rows.
     */
    public static Result rerank(ScoreMatrix itc, int queryImages, int k, MatchScorer itm, Progress progress) {
        int images = itc.rows(), texts = itc.cols();
        ScoreMatrix itcT = itc.transpose();
        ScoreMatrix queries = itc.firstRows(queryImages);
        int[][] textsOfImage = Arrays.copyOf(TopK.ofRows(queries, k), images);
        for (int i = queryImages; i < images; i++) {
            textsOfImage[i] = new int[0];
        }
        int[][] imagesOfText = TopK.ofRows(itcT, k);
        int[][] pairs = pairsByImage(textsOfImage, imagesOfText, images);

        float[] i2t = shifted(queries.values());
        float[] t2i = shifted(itcT.values());
        float[][] logits = new float[images][];
        // Images are independent and the scorer is thread-safe: score them in parallel.
        // An image in no top-k (a distractor nobody ranks high) needs no ITM and no read of its stored Z.
        IntStream.range(0, images).parallel().forEach(i -> {
            logits[i] = pairs[i].length == 0 ? new float[0] : itm.score(i, pairs[i]);
            if (logits[i].length != pairs[i].length) {
                throw new IllegalStateException("ITM scorer returned " + logits[i].length + " logits for "
                        + pairs[i].length + " texts of image " + i);
            }
            progress.advance(1);
        });
        long scored = 0;
        for (int i = 0; i < images; i++) {
            scored += pairs[i].length;
            for (int t : textsOfImage[i]) {
                i2t[i * texts + t] = itc.get(i, t) + logits[i][Arrays.binarySearch(pairs[i], t)];
            }
        }
        for (int t = 0; t < texts; t++) {
            for (int i : imagesOfText[t]) {
                t2i[t * images + i] = itc.get(i, t) + logits[i][Arrays.binarySearch(pairs[i], t)];
            }
        }
        return new Result(new ScoreMatrix(queryImages, texts, i2t), new ScoreMatrix(texts, images, t2i), scored);
    }

    /** Scores of one query against several gallery items (ITM class-1 logits), in the order given. */
    @FunctionalInterface
    public interface QueryScorer {
        float[] score(int query, int[] gallery);
    }

    /**
     * One direction only, e.g. a single search query: the top-k columns of each row get ITM + ITC, the others
     * −100 + ITC. Rows are scored one after the other; each row's top-k comes in one call.
     */
    public static ScoreMatrix rerankRows(ScoreMatrix itc, int k, QueryScorer itm) {
        int[][] top = TopK.ofRows(itc, k);
        float[] out = shifted(itc.values());
        for (int r = 0; r < itc.rows(); r++) {
            float[] logits = itm.score(r, top[r]);
            if (logits.length != top[r].length) {
                throw new IllegalStateException("ITM scorer returned " + logits.length + " logits for "
                        + top[r].length + " gallery items of query " + r);
            }
            for (int j = 0; j < top[r].length; j++) {
                out[r * itc.cols() + top[r][j]] = itc.get(r, top[r][j]) + logits[j];
            }
        }
        return new ScoreMatrix(itc.rows(), itc.cols(), out);
    }

    /** For each image, the sorted distinct texts that need an ITM score in either direction. */
    static int[][] pairsByImage(int[][] textsOfImage, int[][] imagesOfText, int images) {
        int[] count = new int[images];
        for (int i = 0; i < images; i++) {
            count[i] = textsOfImage[i].length;
        }
        for (int[] top : imagesOfText) {
            for (int i : top) {
                count[i]++;
            }
        }
        int[][] pairs = new int[images][];
        int[] fill = new int[images];
        for (int i = 0; i < images; i++) {
            pairs[i] = new int[count[i]];
            System.arraycopy(textsOfImage[i], 0, pairs[i], 0, textsOfImage[i].length);
            fill[i] = textsOfImage[i].length;
        }
        for (int t = 0; t < imagesOfText.length; t++) {
            for (int i : imagesOfText[t]) {
                pairs[i][fill[i]++] = t;
            }
        }
        for (int i = 0; i < images; i++) {
            pairs[i] = Arrays.stream(pairs[i]).sorted().distinct().toArray();
        }
        return pairs;
    }

    private static float[] shifted(float[] itc) {
        float[] out = new float[itc.length];
        for (int j = 0; j < out.length; j++) {
            out[j] = OUTSIDE + itc[j];
        }
        return out;
    }
}
