package org.qpert.core.retrieval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.qpert.core.backend.CpuBackend;

class ScoringTest {
    private static final CpuBackend CPU = new CpuBackend();


    /** Two images with two 2-d queries each, three texts; every value checked by hand. Exact in float. */
    @Test
    void itcIsTheMaximumOverQueries() {
        float[] images = {
                1, 0, /* q1 */ 0, 1,     // image 0
                0.5f, 0.5f, /* q1 */ -1, 0 // image 1
        };
        float[] texts = {1, 0, 0, 1, -1, -1};
        ScoreMatrix m = ItcScores.compute(CPU, images, 2, 2, texts, 3, 2);
        assertArrayEquals(new float[] {1, 1, -1, 0.5f, 0.5f, 1}, m.values(), 0f);
        assertEquals(2, m.rows());
        assertEquals(3, m.cols());
        assertThrows(IllegalArgumentException.class, () -> ItcScores.compute(CPU, images, 2, 2, texts, 2, 2));
    }

    /** Random normalized features: against a double-precision reference, 1e-5. */
    @Test
    void itcMatchesADoubleReferenceOnRandomFeatures() {
        java.util.Random rnd = new java.util.Random(3);
        int images = 7, queries = 5, texts = 600, dim = 24;
        float[] img = unitRows(rnd, images * queries, dim), txt = unitRows(rnd, texts, dim);
        ScoreMatrix m = ItcScores.compute(CPU, img, images, queries, txt, texts, dim);
        for (int i = 0; i < images; i++) {
            for (int t = 0; t < texts; t++) {
                double best = Double.NEGATIVE_INFINITY;
                for (int q = 0; q < queries; q++) {
                    double s = 0;
                    for (int k = 0; k < dim; k++) {
                        s += (double) img[(i * queries + q) * dim + k] * txt[t * dim + k];
                    }
                    best = Math.max(best, s);
                }
                assertEquals(best, m.get(i, t), 1e-5, "image " + i + " text " + t);
            }
        }
        // two images per chunk (7 images → 4 chunks, the last one short): the same matrix
        ScoreMatrix chunked = ItcScores.compute(CPU, img, images, queries, txt, texts, dim, 2 * queries * texts);
        assertArrayEquals(m.values(), chunked.values(), 0f);
    }

    private static float[] unitRows(java.util.Random rnd, int rows, int dim) {
        float[] v = new float[rows * dim];
        for (int r = 0; r < rows; r++) {
            double norm = 0;
            for (int k = 0; k < dim; k++) {
                v[r * dim + k] = (float) rnd.nextGaussian();
                norm += v[r * dim + k] * v[r * dim + k];
            }
            for (int k = 0; k < dim; k++) {
                v[r * dim + k] /= (float) Math.sqrt(norm);
            }
        }
        return v;
    }

    private static final ScoreMatrix ITC = ScoreMatrix.of(
            new float[] {0.9f, 0.1f, 0.5f},
            new float[] {0.2f, 0.8f, 0.6f});
    private static final float[][] LOGITS = {{2, 3, 4}, {5, 6, 7}};

    /**
     * k = 1. I2T top: image 0 → text 0, image 1 → text 1. T2I top: text 0 → image 0, text 1 → image 1, text 2 →
     * image 1 (0.6 > 0.5). So ITM runs on (0,0), (1,1), (1,2) only.
     */
    @Test
    void rerankAddsItmInsideTopKAndMinusHundredOutside() {
        List<String> calls = java.util.Collections.synchronizedList(new ArrayList<>());
        Reranker.Result r = Reranker.rerank(ITC, 1, (image, texts) -> {
            float[] out = new float[texts.length];
            StringBuilder sb = new StringBuilder("image " + image + ":");
            for (int j = 0; j < texts.length; j++) {
                out[j] = LOGITS[image][texts[j]];
                sb.append(' ').append(texts[j]);
            }
            calls.add(sb.toString());
            return out;
        }, Progress.silent(2));
        assertEquals(List.of("image 0: 0", "image 1: 1 2"), calls.stream().sorted().toList());
        assertEquals(3, r.pairsScored());
        float tol = 1e-5f;
        assertArrayEquals(new float[] {2.9f, -99.9f, -99.5f, -99.8f, 6.8f, -99.4f}, r.imageToText().values(), tol);
        assertArrayEquals(new float[] {2.9f, -99.8f, -99.9f, 6.8f, -99.5f, 7.6f}, r.textToImage().values(), tol);
    }

    /** ITM can reorder the top-k: with k = 2 image 0's texts 0 and 2 are re-scored and text 2 wins on ITM. */
    @Test
    void rerankCanReorderInsideTheTopK() {
        Reranker.Result r = Reranker.rerank(ITC, 2, (image, texts) -> {
            float[] out = new float[texts.length];
            for (int j = 0; j < texts.length; j++) {
                out[j] = LOGITS[image][texts[j]];
            }
            return out;
        }, Progress.silent(2));
        // image 0: text 0 → 2 + 0.9, text 2 → 4 + 0.5, text 1 outside → -99.9
        assertArrayEquals(new int[] {2, 0, 1}, TopK.ofRows(r.imageToText(), 3)[0]);
        assertEquals(4.5f, r.imageToText().get(0, 2), 1e-6f);
        // both images are in every text's top-2: all six pairs scored once each
        assertEquals(6, r.pairsScored());
    }

    /** One query row [0.9, 0.1, 0.5], k = 2: columns 0 and 2 get ITM (2 and 4), column 1 gets −100. */
    @Test
    void rerankRowsScoresOnlyEachRowsTopK() {
        ScoreMatrix r = Reranker.rerankRows(ScoreMatrix.of(new float[] {0.9f, 0.1f, 0.5f}), 2, (query, gallery) -> {
            assertArrayEquals(new int[] {0, 2}, gallery);
            return new float[] {2, 4};
        });
        assertArrayEquals(new float[] {2.9f, -99.9f, 4.5f}, r.values(), 1e-5f);
    }

    @Test
    void scorerReturningTheWrongCountIsReported() {
        assertThrows(IllegalStateException.class,
                () -> Reranker.rerank(ITC, 1, (image, texts) -> new float[0], Progress.silent(2)));
    }

    /**
     * An enlarged pool: image 0 is the only query, images 1 and 2 are distractors. k = 1: I2T top of image 0 → text 0;
     * T2I top: text 0 → image 0, texts 1 and 2 → image 1. Image 2 is in no top-k: never scored.
     */
    @Test
    void rerankOverAPoolRanksImagesOfQueriesOnly() {
        ScoreMatrix pool = ScoreMatrix.of(new float[] {0.9f, 0.1f, 0.5f}, new float[] {0.2f, 0.8f, 0.6f},
                new float[] {0, 0, 0});
        List<Integer> scored = java.util.Collections.synchronizedList(new ArrayList<>());
        Reranker.Result r = Reranker.rerank(pool, 1, 1, (image, texts) -> {
            scored.add(image);
            float[] out = new float[texts.length];
            for (int j = 0; j < texts.length; j++) {
                out[j] = LOGITS[image][texts[j]];
            }
            return out;
        }, Progress.silent(3));
        assertEquals(List.of(0, 1), scored.stream().sorted().toList());
        assertEquals(3, r.pairsScored());
        float tol = 1e-5f;
        assertArrayEquals(new float[] {2.9f, -99.9f, -99.5f}, r.imageToText().values(), tol);
        assertArrayEquals(new float[] {2.9f, -99.8f, -100f, -99.9f, 6.8f, -100f, -99.5f, 7.6f, -100f},
                r.textToImage().values(), tol);
        // every text describes image 0: text 0 ranks it 1st, texts 1 and 2 2nd (behind the distractor image 1)
        Evaluation e = Evaluation.of(r.imageToText(), r.textToImage(), new int[] {0, 0, 0}, new double[] {0.05});
        assertEquals(3, e.all().textToImage().queries());
        assertEquals((1 + 2 + 2) / 3.0, e.all().textToImage().meanRank(), 1e-12);
        assertEquals(1, e.all().imageToText().queries());
        assertEquals(100.0, e.all().imageToText().r1(), 1e-12);
        IllegalArgumentException toDistractor = assertThrows(IllegalArgumentException.class,
                () -> Evaluation.of(r.imageToText(), r.textToImage(), new int[] {0, 1, 0}, new double[] {0.05}));
        assertEquals("text 1 maps to image 1, outside 0..0", toDistractor.getMessage());
    }
}
