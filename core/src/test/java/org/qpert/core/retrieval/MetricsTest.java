package org.qpert.core.retrieval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Hand-checked values; tolerance 1e-12 (only double rounding). */
class MetricsTest {
    private static final double TOL = 1e-12;

    @Test
    void everyMetricOnSixRanks() {
        RankMetrics m = RankMetrics.of(new int[] {1, 2, 5, 6, 11, 1});
        assertEquals(6, m.queries());
        assertEquals(100.0 * 2 / 6, m.r1(), TOL);
        assertEquals(100.0 * 4 / 6, m.r5(), TOL);   // 1, 2, 5, 1
        assertEquals(100.0 * 5 / 6, m.r10(), TOL);  // all but 11
        assertEquals(3.5, m.medianRank(), TOL);     // sorted 1 1 2 5 6 11: (2 + 5) / 2
        assertEquals(26.0 / 6, m.meanRank(), TOL);
        assertEquals((1 + 0.5 + 0.2 + 1.0 / 6 + 1.0 / 11 + 1) / 6, m.mrr(), TOL);
        assertEquals((100.0 * 2 / 6 + 100.0 * 4 / 6 + 100.0 * 5 / 6) / 3, m.meanRecall(), TOL);
    }

    @Test
    void oddCountMedianIsTheMiddleRank() {
        assertEquals(2.0, RankMetrics.of(new int[] {3, 1, 2}).medianRank(), 0);
        assertEquals(7.0, RankMetrics.of(new int[] {7}).medianRank(), 0);
    }

    @Test
    void subsetPicksTheGivenQueries() {
        RankMetrics m = RankMetrics.of(new int[] {1, 20, 3, 4}, new int[] {1, 3});
        assertEquals(2, m.queries());
        assertEquals(0.0, m.r1(), TOL);
        assertEquals(50.0, m.r5(), TOL);
        assertEquals(12.0, m.meanRank(), TOL);
        assertEquals((1.0 / 20 + 1.0 / 4) / 2, m.mrr(), TOL);
    }

    @Test
    void emptySetHasNoValues() {
        RankMetrics m = RankMetrics.of(new int[0]);
        assertEquals(0, m.queries());
        assertTrue(Double.isNaN(m.r1()) && Double.isNaN(m.mrr()) && Double.isNaN(m.medianRank()));
    }

    @Test
    void rsumAndMeanRecallAddBothDirections() {
        RetrievalMetrics r = new RetrievalMetrics(RankMetrics.of(new int[] {1, 6}), RankMetrics.of(new int[] {2, 11}));
        // t2i: 50, 50, 100; i2t: 0, 50, 50
        assertEquals(300.0, r.rsum(), TOL);
        assertEquals(50.0, r.meanRecall(), TOL);
    }

    @Test
    void zeroRankIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> RankMetrics.of(new int[] {0}));
    }

    @Test
    void sizeBinsFollowThePaper() {
        assertEquals(0, SizeBins.bin(0));
        assertEquals(0, SizeBins.bin(0.0999));
        assertEquals(1, SizeBins.bin(0.1));
        assertEquals(3, SizeBins.bin(0.3));
        assertEquals(7, SizeBins.bin(0.7));
        assertEquals(9, SizeBins.bin(0.95));
        assertEquals(9, SizeBins.bin(1.0));
        assertEquals(SizeBins.NONE, SizeBins.bin(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> SizeBins.bin(-0.1));
        assertEquals(0.0, SizeBins.objectSize(new double[0]), 0);
        assertEquals(0.3, SizeBins.objectSize(new double[] {0.05, 0.3, 0.2}), 0);
        assertEquals("[0.0, 0.1)", SizeBins.label(0));
        assertEquals("[0.9, 1.0]", SizeBins.label(9));
    }

    /**
     * Three images; image 0 small (size 0.05), image 1 in bin 5, image 2 without annotation. Texts 0,1 → image 0,
     * 2,3 → image 1, 4 → image 2.
     */
    @Test
    void evaluationSplitsQueriesBySizeButKeepsTheGalleryWhole() {
        int[] textImage = {0, 0, 1, 1, 2};
        double[] sizes = {0.05, 0.5, Double.NaN};
        ScoreMatrix i2t = ScoreMatrix.of(
                new float[] {0.2f, 0.9f, 0.1f, 0.1f, 0.1f},  // image 0: caption 1 first → rank 1
                new float[] {0.9f, 0.1f, 0.5f, 0.1f, 0.1f},  // image 1: caption 2 second → rank 2
                new float[] {0.1f, 0.2f, 0.3f, 0.4f, 0.5f}); // image 2: caption 4 first → rank 1
        ScoreMatrix t2i = ScoreMatrix.of(
                new float[] {0.1f, 0.9f, 0.5f},  // text 0 → image 0: rank 3
                new float[] {0.9f, 0.1f, 0.5f},  // rank 1
                new float[] {0.1f, 0.9f, 0.5f},  // rank 1
                new float[] {0.1f, 0.2f, 0.3f},  // rank 2
                new float[] {0.1f, 0.2f, 0.3f}); // rank 1
        Evaluation e = Evaluation.of(i2t, t2i, textImage, sizes);
        assertEquals(3, e.all().imageToText().queries());
        assertEquals(100.0 * 2 / 3, e.all().imageToText().r1(), TOL);
        assertEquals(5, e.all().textToImage().queries());
        assertEquals(60.0, e.all().textToImage().r1(), TOL);
        assertEquals(8.0 / 5, e.all().textToImage().meanRank(), TOL);

        assertEquals(1, e.small().imageToText().queries());
        assertEquals(100.0, e.small().imageToText().r1(), TOL);
        assertEquals(2, e.small().textToImage().queries());
        assertEquals(50.0, e.small().textToImage().r1(), TOL); // ranks 3 and 1
        assertEquals(2.0, e.small().textToImage().meanRank(), TOL);

        RetrievalMetrics bin5 = e.bins().get(5);
        assertEquals(1, bin5.imageToText().queries());
        assertEquals(0.0, bin5.imageToText().r1(), TOL);
        assertEquals(1.5, bin5.textToImage().meanRank(), TOL);
        assertEquals(0, e.bins().get(9).textToImage().queries());
        int binned = e.bins().stream().mapToInt(b -> b.imageToText().queries()).sum();
        assertEquals(2, binned, "the image without annotation is in no bin");
    }
}
