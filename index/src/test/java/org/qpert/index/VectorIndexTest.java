package org.qpert.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.core.backend.CpuBackend;
import org.qpert.core.model.blip2.Blip2Retrieval;
import org.qpert.core.retrieval.ItcScores;
import org.qpert.core.retrieval.Progress;
import org.qpert.core.retrieval.ScoreMatrix;
import org.qpert.core.retrieval.TopK;

/** The Lucene index ranks images as the in-memory ITC does, on generated galleries of clustered unit vectors. */
@Timeout(600)
class VectorIndexTest {
    static final int NQ = 32, DIM = 256;

    @TempDir
    Path dir;

    /** n images of NQ unit vectors around a few cluster centres; images 7 and 19 are exact copies of 3 (ties). */
    static float[] gallery(int n, long seed) {
        Random r = new Random(seed);
        float[][] centres = new float[8][];
        for (int c = 0; c < centres.length; c++) {
            centres[c] = unit(r, null, 0);
        }
        float[] out = new float[n * NQ * DIM];
        for (int i = 0; i < n; i++) {
            float[] centre = centres[r.nextInt(centres.length)];
            for (int q = 0; q < NQ; q++) {
                System.arraycopy(unit(r, centre, 0.6f), 0, out, (i * NQ + q) * DIM, DIM);
            }
        }
        for (int copy : new int[] {7, 19}) {
            System.arraycopy(out, 3 * NQ * DIM, out, copy * NQ * DIM, NQ * DIM);
        }
        return out;
    }

    static float[] unit(Random r, float[] centre, float spread) {
        float[] v = new float[DIM];
        double norm = 0;
        for (int k = 0; k < DIM; k++) {
            v[k] = (centre == null ? 0 : centre[k]) + (float) r.nextGaussian() * (centre == null ? 1 : spread / 16);
            norm += v[k] * v[k];
        }
        for (int k = 0; k < DIM; k++) {
            v[k] /= (float) Math.sqrt(norm);
        }
        return v;
    }

    /** The in-memory ranking: ITC per image (Blip2Retrieval.itc), stable descending sort (ties by gallery order). */
    static List<Integer> itcRanking(float[] feats, int n, float[] text) {
        float[] s = new float[n];
        for (int i = 0; i < n; i++) {
            s[i] = Blip2Retrieval.itc(Arrays.copyOfRange(feats, i * NQ * DIM, (i + 1) * NQ * DIM), text);
        }
        return IntStream.range(0, n).boxed().sorted((a, b) -> Float.compare(s[b], s[a])).toList();
    }

    static List<String> ids(int n) {
        return IntStream.range(0, n).mapToObj(i -> "img" + i).toList();
    }

    @Test
    void exactSearchReturnsTheTopKOfTheInMemoryItc() throws IOException {
        int n = 120;
        float[] plain = gallery(n, 1), perturbed = gallery(n, 2);
        Path index = dir.resolve("lucene");
        VectorIndex.build(index, ids(n), plain, perturbed, NQ, DIM, false, Progress.silent(n));
        Random r = new Random(3);
        try (VectorIndex vi = VectorIndex.open(index); CpuBackend backend = new CpuBackend()) {
            assertEquals(n, vi.size());
            for (int t = 0; t < 8; t++) {
                // Query 0 is image 3's first vector: images 3, 7 and 19 tie at the top and must come in that order.
                float[] text = t == 0 ? Arrays.copyOfRange(plain, 3 * NQ * DIM, 3 * NQ * DIM + DIM)
                        : unit(r, Arrays.copyOfRange(plain, t * NQ * DIM, t * NQ * DIM + DIM), 1f);
                for (boolean pert : new boolean[] {false, true}) {
                    float[] feats = pert ? perturbed : plain;
                    List<Integer> expected = itcRanking(feats, n, text).subList(0, 50);
                    List<VectorIndex.Hit> hits = vi.search(text, 50, pert, VectorIndex.Mode.EXACT);
                    assertEquals(expected, hits.stream().map(VectorIndex.Hit::ord).toList(), "query " + t);
                    assertEquals("img" + expected.get(0), hits.get(0).id());
                    assertEquals(Blip2Retrieval.itc(Arrays.copyOfRange(feats, expected.get(0) * NQ * DIM,
                            (expected.get(0) + 1) * NQ * DIM), text), hits.get(0).itc(), 0f);
                    // The backend's ITC matrix (what GalleryIndex ranks by) agrees on the top 10.
                    ScoreMatrix m = ItcScores.compute(backend, feats, n, NQ, text, 1, DIM).transpose();
                    List<Integer> byBackend = Arrays.stream(TopK.ofRows(m, 10)[0]).boxed().toList();
                    assertEquals(byBackend, expected.subList(0, 10), "query " + t);
                }
                if (t == 0) {
                    assertEquals(List.of(3, 7, 19), vi.search(text, 3, false, VectorIndex.Mode.EXACT).stream()
                            .map(VectorIndex.Hit::ord).toList());
                }
            }
        }
    }

    @Test
    void hnswFindsAlmostAllOfTheExactTopTen() throws IOException {
        int n = 300;
        float[] plain = gallery(n, 5);
        for (boolean int8 : new boolean[] {false, true}) {
            Path index = dir.resolve("hnsw" + int8);
            VectorIndex.build(index, ids(n), plain, null, NQ, DIM, int8, Progress.silent(n));
            Random r = new Random(6);
            int found = 0, total = 0;
            try (VectorIndex vi = VectorIndex.open(index)) {
                for (int t = 0; t < 10; t++) {
                    float[] text = unit(r, Arrays.copyOfRange(plain, t * NQ * DIM, t * NQ * DIM + DIM), 1f);
                    Set<Integer> exact = new HashSet<>(itcRanking(plain, n, text).subList(0, 10));
                    List<VectorIndex.Hit> hits = vi.search(text, 10, false, VectorIndex.Mode.HNSW);
                    assertEquals(10, hits.size());
                    assertEquals(10, new HashSet<>(hits.stream().map(VectorIndex.Hit::ord).toList()).size(),
                            "one hit per image");
                    for (VectorIndex.Hit h : hits) {
                        found += exact.contains(h.ord()) ? 1 : 0;
                    }
                    total += 10;
                }
                // 300 images x 32 vectors is small for HNSW: recall is near 1 (0.8 leaves room for int8 rounding).
                assertTrue(found >= 0.8 * total, "recall@10 " + found + "/" + total + " int8=" + int8);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> vi.search(new float[DIM], 10, true, VectorIndex.Mode.EXACT));
                assertTrue(e.getMessage().contains("no Q-Perturbation"), e.getMessage());
            }
        }
    }

    @Test
    void anIndexBuiltImageByImageEqualsOneBuiltFromArrays() throws IOException {
        int n = 40;
        float[] plain = gallery(n, 7), perturbed = gallery(n, 8);
        int size = NQ * DIM;
        Path streamed = dir.resolve("streamed");
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        VectorIndex.build(streamed, ids(n), new VectorIndex.ImageVectors() {
            @Override
            public float[] plain(int ord) {
                asked.incrementAndGet();
                return Arrays.copyOfRange(plain, ord * size, (ord + 1) * size);
            }

            @Override
            public float[] perturbed(int ord) {
                return Arrays.copyOfRange(perturbed, ord * size, (ord + 1) * size);
            }
        }, NQ, DIM, false, Progress.silent(n));
        assertEquals(n, asked.get(), "each image's vectors fetched once");
        Path fromArrays = dir.resolve("arrays");
        VectorIndex.build(fromArrays, ids(n), plain, perturbed, NQ, DIM, false, Progress.silent(n));
        Random r = new Random(9);
        try (VectorIndex a = VectorIndex.open(streamed); VectorIndex b = VectorIndex.open(fromArrays)) {
            for (int t = 0; t < 4; t++) {
                float[] text = unit(r, Arrays.copyOfRange(plain, t * size, t * size + DIM), 1f);
                for (boolean pert : new boolean[] {false, true}) {
                    assertEquals(b.search(text, 20, pert, VectorIndex.Mode.EXACT),
                            a.search(text, 20, pert, VectorIndex.Mode.EXACT), "query " + t + " perturbed=" + pert);
                }
            }
            assertTrue(a.inStepWith(ids(n)));
        }
    }

    @Test
    void moreHnswCandidatesFindAtLeastAsMuchAndTooFewAreRefused() throws IOException {
        int n = 300;
        float[] plain = gallery(n, 10);
        Path index = dir.resolve("candidates");
        VectorIndex.build(index, ids(n), plain, null, NQ, DIM, false, Progress.silent(n));
        Random r = new Random(11);
        try (VectorIndex vi = VectorIndex.open(index)) {
            int foundFew = 0, foundAll = 0;
            for (int t = 0; t < 10; t++) {
                float[] text = unit(r, Arrays.copyOfRange(plain, t * NQ * DIM, t * NQ * DIM + DIM), 1f);
                Set<Integer> exact = new HashSet<>(itcRanking(plain, n, text).subList(0, 10));
                foundFew += vi.search(text, 10, false, VectorIndex.Mode.HNSW, 10).stream()
                        .filter(h -> exact.contains(h.ord())).count();
                // As many candidates as images: the walk reaches every image, so the top 10 is exact.
                List<VectorIndex.Hit> all = vi.search(text, 10, false, VectorIndex.Mode.HNSW, n);
                foundAll += all.stream().filter(h -> exact.contains(h.ord())).count();
                assertEquals(10, all.size());
            }
            assertEquals(100, foundAll, "candidates = gallery size must find the exact top 10");
            assertTrue(foundFew <= foundAll, foundFew + " found with 10 candidates, " + foundAll + " with " + n);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> vi.search(new float[DIM], 10, false, VectorIndex.Mode.HNSW, 5));
            assertTrue(e.getMessage().contains("at least k"), e.getMessage());
        }
    }

    @Test
    void imageVectorsOfTheWrongLengthNameTheImage() {
        float[] plain = gallery(20, 12);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VectorIndex.build(
                dir.resolve("short"), ids(3), new VectorIndex.ImageVectors() {
                    @Override
                    public float[] plain(int ord) {
                        return Arrays.copyOfRange(plain, ord * NQ * DIM, ord * NQ * DIM + (ord == 2 ? DIM : NQ * DIM));
                    }

                    @Override
                    public float[] perturbed(int ord) {
                        return null;
                    }
                }, NQ, DIM, false, Progress.silent(3)));
        assertTrue(e.getMessage().contains("image 2") && e.getMessage().contains("plain"), e.getMessage());
    }

    @Test
    void malformedInputIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> VectorIndex.build(dir.resolve("x"), ids(2), new float[5],
                null, NQ, DIM, false, Progress.silent(2)));
        assertThrows(IllegalArgumentException.class, () -> VectorIndex.open(dir.resolve("nothing")));
        assertThrows(IllegalArgumentException.class, () -> VectorIndex.Mode.parse("fuzzy"));
    }
}
