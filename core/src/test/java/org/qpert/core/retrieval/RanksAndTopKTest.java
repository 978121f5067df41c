package org.qpert.core.retrieval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RanksAndTopKTest {
    private static final ScoreMatrix TIED_ROW = ScoreMatrix.of(new float[] {0.5f, 0.9f, 0.5f, 0.1f, 0.9f});

    @Test
    void rankCountsHigherScoresThenEqualScoresOfSmallerIndex() {
        assertEquals(3, Ranks.rankInRow(TIED_ROW, 0, 0)); // two 0.9 above
        assertEquals(4, Ranks.rankInRow(TIED_ROW, 0, 2)); // two 0.9 and the tied 0.5 at index 0
        assertEquals(1, Ranks.rankInRow(TIED_ROW, 0, 1));
        assertEquals(2, Ranks.rankInRow(TIED_ROW, 0, 4)); // tied with index 1, which comes first
        assertEquals(5, Ranks.rankInRow(TIED_ROW, 0, 3));
    }

    @Test
    void topKUsesTheSameOrderAsRanks() {
        assertArrayEquals(new int[] {1, 4, 0}, TopK.ofRows(TIED_ROW, 3)[0]);
        assertArrayEquals(new int[] {1, 4, 0, 2, 3}, TopK.ofRows(TIED_ROW, 64)[0], "k beyond cols keeps all");
        assertArrayEquals(new int[] {1}, TopK.ofRows(TIED_ROW, 1)[0]);
    }

    @Test
    void topKMatchesAStableSortOnRandomTiedRows() {
        Random rnd = new Random(7);
        int rows = 20, cols = 37;
        float[] v = new float[rows * cols];
        for (int j = 0; j < v.length; j++) {
            v[j] = rnd.nextInt(5) / 4f; // only 5 distinct values: many ties
        }
        ScoreMatrix m = new ScoreMatrix(rows, cols, v);
        for (int k : new int[] {1, 5, 10, 37}) {
            int[][] top = TopK.ofRows(m, k);
            for (int r = 0; r < rows; r++) {
                int row = r;
                int[] expected = IntStream.range(0, cols).boxed()
                        .sorted(Comparator.comparingDouble((Integer c) -> -m.get(row, c)))
                        .limit(k).mapToInt(Integer::intValue).toArray();
                assertArrayEquals(expected, top[r], "row " + r + " k " + k);
                for (int pos = 0; pos < k; pos++) {
                    assertEquals(pos + 1, Ranks.rankInRow(m, r, top[r][pos]), "rank of top entry " + pos);
                }
            }
        }
    }

    @Test
    void imageRankIsTheBestRankAmongItsCaptions() {
        int[] textImage = {0, 0, 1, 1};
        ScoreMatrix i2t = ScoreMatrix.of(
                new float[] {0.1f, 0.8f, 0.9f, 0.2f},  // caption 1 at rank 2, caption 0 at rank 4
                new float[] {0.3f, 0.3f, 0.3f, 0.3f}); // all tied: captions 2, 3 at ranks 3, 4
        assertArrayEquals(new int[] {2, 3}, Ranks.imageToText(i2t, textImage));
    }

    @Test
    void textRankIsTheRankOfItsImage() {
        int[] textImage = {0, 0, 1, 1};
        ScoreMatrix t2i = ScoreMatrix.of(
                new float[] {0.7f, 0.2f},
                new float[] {0.1f, 0.1f},  // tie; the true image has the smaller index
                new float[] {0.5f, 0.6f},
                new float[] {0.9f, 0.4f});
        assertArrayEquals(new int[] {1, 1, 1, 2}, Ranks.textToImage(t2i, textImage));
        // the same tie against the ground truth: index 0 wins, so the true image 1 ranks second
        ScoreMatrix tiedAgainst = ScoreMatrix.of(new float[] {0.4f, 0.4f});
        assertArrayEquals(new int[] {2}, Ranks.textToImage(tiedAgainst, new int[] {1}));
    }

    @Test
    void badInputIsRejectedWithAClearMessage() {
        ScoreMatrix nan = ScoreMatrix.of(new float[] {0.1f, Float.NaN});
        assertThrows(IllegalArgumentException.class, () -> Ranks.rankInRow(nan, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> TopK.ofRows(nan, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Ranks.imageToText(ScoreMatrix.of(new float[] {1f}, new float[] {2f}), new int[] {0}));
        assertEquals("image 1 has no caption, so it has no image-to-text rank", e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Ranks.textToImage(ScoreMatrix.of(new float[] {1f, 2f}), new int[] {2}));
        assertThrows(IllegalArgumentException.class, () -> TopK.ofRows(TIED_ROW, 0));
        assertThrows(IllegalArgumentException.class, () -> new ScoreMatrix(2, 2, new float[3]));
    }
}
