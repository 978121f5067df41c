package org.qpert.core.retrieval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MetricsTableTest {
    /** Two images (one small, one in bin 5), one caption each; identity scores put everything at rank 1. */
    private static Evaluation eval(float offDiagonal) {
        ScoreMatrix m = ScoreMatrix.of(new float[] {1f, offDiagonal}, new float[] {offDiagonal, 1f});
        return Evaluation.of(m, m, new int[] {0, 1}, new double[] {0.05, 0.5});
    }

    @Test
    void tableHasOneRowPerNonEmptySubset() {
        String t = MetricsTable.of(eval(0f));
        String[] lines = t.split("\n");
        assertEquals(5, lines.length, t); // header, rule, all, small, bin 5
        assertTrue(lines[2].startsWith("| all | 2 / 2 | 100.00 | 100.00 | 100.00 | 100.00 |"), lines[2]);
        assertTrue(lines[3].startsWith("| small [0.0, 0.1) | 1 / 1 |"), lines[3]);
        assertTrue(lines[4].startsWith("| [0.5, 0.6) | 1 / 1 |"), lines[4]);
        assertTrue(lines[2].endsWith("| 600.00 | 1.0 | 1.00 | 1.0000 | 1.0 | 1.00 | 1.0000 |"), lines[2]);
    }

    @Test
    void deltaIsSignedDifference() {
        // off-diagonal 2 > 1: every query ranks its match second → R@1 0, MRR 0.5
        String d = MetricsTable.delta(eval(0f), eval(2f));
        String all = d.split("\n")[2];
        assertTrue(all.startsWith("| all | 2 / 2 | +100.00 | +0.00 | +0.00 | +100.00 |"), all);
        assertTrue(all.endsWith("| -1.0 | -1.00 | +0.5000 | -1.0 | -1.00 | +0.5000 |"), all);
    }
}
