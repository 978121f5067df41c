package org.qpert.core.retrieval;

import java.util.Arrays;

/**
 * Metrics of one retrieval direction over a set of queries, from their 1-based ranks.
 *
 * @param queries    number of queries measured
 * @param r1         percentage of queries whose rank is at most 1
 * @param r5         … at most 5
 * @param r10        … at most 10
 * @param medianRank median of the ranks; for an even count, the mean of the two middle ranks
 * @param meanRank   mean of the ranks
 * @param mrr        mean reciprocal rank, in [0, 1]
 */
public record RankMetrics(int queries, double r1, double r5, double r10, double medianRank, double meanRank,
                          double mrr) {

    /** Metrics over all given ranks. An empty set gives NaN everywhere (there is nothing to measure). */
    public static RankMetrics of(int[] ranks) {
        int n = ranks.length;
        if (n == 0) {
            return new RankMetrics(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        int at1 = 0, at5 = 0, at10 = 0;
        double sum = 0, reciprocal = 0;
        for (int r : ranks) {
            if (r < 1) {
                throw new IllegalArgumentException("ranks are 1-based, got " + r);
            }
            at1 += r <= 1 ? 1 : 0;
            at5 += r <= 5 ? 1 : 0;
            at10 += r <= 10 ? 1 : 0;
            sum += r;
            reciprocal += 1.0 / r;
        }
        int[] sorted = ranks.clone();
        Arrays.sort(sorted);
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
        return new RankMetrics(n, 100.0 * at1 / n, 100.0 * at5 / n, 100.0 * at10 / n, median, sum / n,
                reciprocal / n);
    }

    /** Metrics over the ranks at the given query indices. */
    public static RankMetrics of(int[] ranks, int[] queryIndices) {
        int[] picked = new int[queryIndices.length];
        for (int i = 0; i < picked.length; i++) {
            picked[i] = ranks[queryIndices[i]];
        }
        return of(picked);
    }

    /** Mean of R@1, R@5, R@10. */
    public double meanRecall() {
        return (r1 + r5 + r10) / 3;
    }
}
