package org.qpert.core.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.qpert.core.backend.cpu.Kernels;

/**
 * The segmented ops of a stacked batch (attention, means, query perturbation) at real BLIP-2 shapes: against the
 * {@link ReferenceCpuBackend} within {@value #REL_TOL} of the reference's largest magnitude (the fast kernels sum in
 * another order), and item by item against the same backend's batch of one, bitwise (a task computes an item exactly
 * as it would alone).
 */
class SegmentedOpsTest {
    private static final double REL_TOL = 2e-5;
    private static final ReferenceCpuBackend REF = new ReferenceCpuBackend();

    static Stream<CpuBackend> backends() {
        return Stream.of(new CpuBackend(), new CpuBackend(Kernels.scalar()));
    }

    private static float[] random(Random r, int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (r.nextFloat() * 2 - 1) * scale;
        }
        return a;
    }

    private static void assertClose(float[] e, float[] a, String what) {
        assertEquals(e.length, a.length, what + " length");
        double max = 0, diff = 0;
        for (int i = 0; i < e.length; i++) {
            max = Math.max(max, Math.abs(e[i]));
            diff = Math.max(diff, Math.abs(e[i] - a[i]));
        }
        assertTrue(diff <= REL_TOL * max, what + ": max |diff| " + diff + ", reference max " + max);
    }

    private static float[] rows(float[] x, int cols, int from, int count) {
        return Arrays.copyOfRange(x, from * cols, (from + count) * cols);
    }

    /**
     * Checks one segmented attention against the reference and, per segment, against the batch of one of the same
     * backend (bitwise).
     */
    private static void checkAttention(CpuBackend fast, long seed, int nk, int width, int heads, Segments qs,
                                       Segments ks, boolean withBias) {
        Random r = new Random(seed);
        int nq = qs.end(qs.count() - 1);
        float[] q = random(r, nq * width, 2f), k = random(r, nk * width, 2f), v = random(r, nk * width, 1f);
        float[] bias = null;
        if (withBias) {
            bias = new float[nk];
            for (int j = 0; j < nk; j++) {
                bias[j] = r.nextInt(4) == 0 ? -10000f : 0f;
            }
            for (int s = 0; s < ks.count(); s++) {
                bias[ks.start(s)] = 0f; // every item keeps a key it attends to
            }
        }
        float scale = (float) Math.pow(width / heads, -0.5);
        float[] got = fast.download(fast.attention(fast.upload(q, nq, width), fast.upload(k, nk, width),
                fast.upload(v, nk, width), heads, scale, qs, ks, bias == null ? null : fast.upload(bias, 1, nk)));
        float[] want = REF.download(REF.attention(REF.upload(q, nq, width), REF.upload(k, nk, width),
                REF.upload(v, nk, width), heads, scale, qs, ks, bias == null ? null : REF.upload(bias, 1, nk)));
        String what = "attention " + qs + " over " + ks + " of " + nk + " keys, " + width + "/" + heads;
        assertClose(want, got, what);
        for (int s = 0; s < qs.count(); s++) {
            int kl = ks.length(s);
            float[] itemBias = bias == null ? null : Arrays.copyOfRange(bias, ks.start(s), ks.end(s));
            float[] alone = fast.download(fast.attention(fast.upload(rows(q, width, qs.start(s), qs.length(s)),
                            qs.length(s), width), fast.upload(rows(k, width, ks.start(s), kl), kl, width),
                    fast.upload(rows(v, width, ks.start(s), kl), kl, width), heads, scale, itemBias));
            assertArrayEquals(alone, rows(got, width, qs.start(s), qs.length(s)), what + ": item " + s);
        }
    }

    /** ViT self-attention of three 224² images stacked: T = 257, 16 heads of 88. */
    @ParameterizedTest
    @MethodSource("backends")
    void vitSelfAttentionOfAStackedBatch(CpuBackend fast) {
        Segments s = Segments.uniform(3, 257);
        checkAttention(fast, 1, 3 * 257, 1408, 16, s, s, false);
    }

    /** Q-Former ITM self-attention: 32 queries + captions of mixed lengths, padded keys masked by a bias tensor. */
    @ParameterizedTest
    @MethodSource("backends")
    void qformerSelfAttentionWithMixedLengthsAndMask(CpuBackend fast) {
        Segments s = Segments.ofLengths(32 + 35, 32 + 7, 32 + 20, 32 + 1);
        checkAttention(fast, 2, 32 * 4 + 63, 768, 12, s, s, true);
    }

    /** Cross-attention of 3 items' 32 queries to 2 images' keys (T = 257): items 0 and 2 share image 0's keys. */
    @ParameterizedTest
    @MethodSource("backends")
    void crossAttentionWithSharedKeys(CpuBackend fast) {
        Segments qs = Segments.uniform(3, 32);
        Segments ks = Segments.of(new int[] {0, 257, 0}, new int[] {257, 257, 257});
        checkAttention(fast, 3, 2 * 257, 768, 12, qs, ks, false);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void meanRowsPerSegment(CpuBackend fast) {
        Random r = new Random(4);
        Segments s = Segments.ofLengths(32, 32, 5, 1);
        int n = 70, c = 2;
        float[] x = random(r, n * c, 3f);
        float[] got = fast.download(fast.meanRows(fast.upload(x, n, c), s));
        assertClose(REF.download(REF.meanRows(REF.upload(x, n, c), s)), got, "meanRows");
        for (int i = 0; i < s.count(); i++) {
            float[] alone = fast.download(fast.meanRows(fast.upload(rows(x, c, s.start(i), s.length(i)),
                    s.length(i), c)));
            assertArrayEquals(alone, rows(got, c, i, 1), "meanRows item " + i);
        }
    }

    /** 32 queries per item, 12 heads of 64; items 0 and 2 share one P̄, item 1 has none (left unchanged). */
    @ParameterizedTest
    @MethodSource("backends")
    void perturbQueriesPerSegment(CpuBackend fast) {
        Random r = new Random(5);
        Segments s = Segments.uniform(4, 32);
        float[] q = random(r, 128 * 768, 1f), pa = random(r, 768 * 64, 0.2f), pb = random(r, 768 * 64, 0.2f);
        Tensor fa = fast.upload(pa, 768, 64), fb = fast.upload(pb, 768, 64);
        float[] got = fast.download(fast.perturbQueries(fast.upload(q, 128, 768), s,
                new Tensor[] {fa, null, fa, fb}, 12));
        Tensor ra = REF.upload(pa, 768, 64), rb = REF.upload(pb, 768, 64);
        assertClose(REF.download(REF.perturbQueries(REF.upload(q, 128, 768), s, new Tensor[] {ra, null, ra, rb}, 12)),
                got, "perturbQueries");
        assertArrayEquals(rows(q, 768, 32, 32), rows(got, 768, 32, 32), "rows without P̄ are unchanged");
        Tensor[] pbar = {fa, null, fa, fb};
        for (int i : new int[] {0, 2, 3}) {
            float[] alone = fast.download(fast.perturbQueries(fast.upload(rows(q, 768, 32 * i, 32), 32, 768),
                    pbar[i], 12));
            assertArrayEquals(alone, rows(got, 768, 32 * i, 32), "perturbQueries item " + i);
        }
    }

    @Test
    void rejectsSegmentsThatDoNotFit() {
        CpuBackend b = new CpuBackend();
        Tensor x = b.upload(new float[10 * 4], 10, 4);
        Segments five = Segments.uniform(2, 5);
        assertMessage("not tiled", () -> b.attention(x, x, x, 2, 1f, Segments.uniform(2, 4), five, null));
        assertMessage("2 query segments but 1", () -> b.attention(x, x, x, 2, 1f, five, Segments.single(10), null));
        assertMessage("outside attention keys",
                () -> b.attention(x, x, x, 2, 1f, five, Segments.of(new int[] {0, 6}, new int[] {5, 5}), null));
        assertMessage("no keys",
                () -> b.attention(x, x, x, 2, 1f, five, Segments.of(new int[] {0, 5}, new int[] {5, 0}), null));
        assertMessage("key bias has shape",
                () -> b.attention(x, x, x, 2, 1f, five, five, b.upload(new float[9], 1, 9)));
        assertMessage("not divisible", () -> b.attention(x, x, x, 3, 1f, five, five, null));
        assertMessage("empty segment", () -> b.meanRows(x, Segments.ofLengths(10, 0)));
        assertMessage("outside averaged", () -> b.meanRows(x, Segments.of(new int[] {8}, new int[] {3})));
        assertMessage("1 P̄ for 2", () -> b.perturbQueries(x, five, new Tensor[1], 2));
        assertMessage("P̄ of segment 1",
                () -> b.perturbQueries(x, five, new Tensor[] {null, b.upload(new float[4], 2, 2)}, 2));
        assertMessage("not a row range", () -> Segments.of(new int[] {-1}, new int[] {2}));
        assertMessage("length -3", () -> Segments.ofLengths(2, -3));
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' lacks '" + part + "'");
    }
}
