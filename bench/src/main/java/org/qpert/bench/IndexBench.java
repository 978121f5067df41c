package org.qpert.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.qpert.core.retrieval.Progress;
import org.qpert.index.VectorIndex;

/**
 * Recall and latency of the Lucene index on synthetic galleries: n images of 32 unit vectors (dimension 256, BLIP-2
 * ViT-g's ITC size) drawn around 64 cluster centres; queries are perturbed copies of random images' vectors. Ground
 * truth is the in-memory ITC (max over the 32 vectors). {@code -Dqpert.bench.vectors=1 -Dqpert.bench.dim=768} makes
 * a single-vector gallery of CoCa ViT-L/14's width (one document per image). Reports build time, index size, and for each number of HNSW
 * candidates recall@10 and @100 against exact and per-query latency (p50/p99, one thread) of HNSW, beside the exact
 * scan's, for float32 and int8 vectors.
 *
 * <p>Nothing of size n × 32 × 256 is held: image i's vectors are drawn again from its own seed whenever they are
 * needed (ground truth, index build), so a million images (33 GB of vectors) need only the index's disk space.
 *
 * <pre>java --add-modules jdk.incubator.vector -Xmx8g -cp bench/target/benchmarks.jar org.qpert.bench.IndexBench \
 *     N [QUERIES [f32,int8 [100,400,1600]]]</pre>
 */
public final class IndexBench {
    static final int NQ = Integer.getInteger("qpert.bench.vectors", 32), DIM = Integer.getInteger("qpert.bench.dim", 256);
    static final int CLUSTERS = 64;
    private static final long SEED = 42;

    private IndexBench() {
    }

    public static void main(String[] args) throws IOException {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int queries = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        List<String> variants = List.of((args.length > 2 ? args[2] : "f32,int8").split(","));
        int[] candidates = Arrays.stream((args.length > 3 ? args[3] : "100,400,1600").split(","))
                .mapToInt(Integer::parseInt).toArray();
        Gallery gallery = new Gallery(n);
        Random r = new Random(SEED);
        float[][] texts = new float[queries][];
        for (int t = 0; t < queries; t++) {
            texts[t] = unit(r, Arrays.copyOf(gallery.plain(r.nextInt(n)), DIM), 1.2f);
        }
        long g0 = System.nanoTime();
        List<List<Set<Integer>>> truth = groundTruth(gallery, texts, new int[] {10, 100});
        System.out.printf(Locale.ROOT, "# ground truth for %d queries over %d images: %.1f s%n", queries, n,
                (System.nanoTime() - g0) / 1e9);
        System.out.println("| images | vectors | int8 | build s | index MB | candidates | recall@10 | recall@100 "
                + "| HNSW p50 ms | HNSW p99 ms | exact p50 ms |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
        Path work = Files.createTempDirectory("qpert-index-bench");
        List<String> ids = IntStream.range(0, n).mapToObj(i -> "img" + i).toList();
        for (String variant : variants) {
            boolean int8 = switch (variant) {
                case "f32" -> false;
                case "int8" -> true;
                default -> throw new IllegalArgumentException("variant must be f32 or int8, got " + variant);
            };
            Path dir = work.resolve(variant);
            long t0 = System.nanoTime();
            VectorIndex.build(dir, ids, gallery, NQ, DIM, int8, Progress.logging("index", n, "images"));
            double buildS = (System.nanoTime() - t0) / 1e9;
            long bytes;
            try (Stream<Path> s = Files.list(dir)) {
                bytes = s.mapToLong(p -> p.toFile().length()).sum();
            }
            try (VectorIndex index = VectorIndex.open(dir)) {
                int exactRuns = Math.min(queries, 10);
                long[] exact = new long[exactRuns];
                for (int t = 0; t < exactRuns; t++) {
                    long a = System.nanoTime();
                    index.search(texts[t], 10, false, VectorIndex.Mode.EXACT);
                    exact[t] = System.nanoTime() - a;
                }
                for (float[] text : texts) { // warm-up: the first timed row would otherwise include the JIT's work
                    index.search(text, 10, false, VectorIndex.Mode.HNSW, candidates[0]);
                }
                for (int c : candidates) {
                    double r10 = 0, r100 = 0;
                    long[] hnsw = new long[queries];
                    for (int t = 0; t < queries; t++) {
                        long a = System.nanoTime();
                        List<VectorIndex.Hit> h10 = index.search(texts[t], 10, false, VectorIndex.Mode.HNSW, c);
                        hnsw[t] = System.nanoTime() - a;
                        r10 += recall(h10, truth.get(0).get(t));
                        if (c >= 100) {
                            r100 += recall(index.search(texts[t], 100, false, VectorIndex.Mode.HNSW, c),
                                    truth.get(1).get(t));
                        }
                    }
                    System.out.println(String.format(Locale.ROOT,
                            "| %d | %d | %s | %.1f | %.1f | %d | %.3f | %s | %.2f | %.2f | %.1f |", n, (long) n * NQ,
                            int8 ? "yes" : "no", buildS, bytes / 1e6, c, r10 / queries,
                            c >= 100 ? String.format(Locale.ROOT, "%.3f", r100 / queries) : "-",
                            pct(hnsw, 0.5) / 1e6, pct(hnsw, 0.99) / 1e6, pct(exact, 0.5) / 1e6));
                }
            }
            delete(dir);
        }
    }

    /** The synthetic gallery: image i's vectors come from a generator seeded by i alone. */
    record Gallery(int n) implements VectorIndex.ImageVectors {
        @Override
        public float[] plain(int ord) {
            Random r = new Random(SEED * 1_000_003L + ord);
            float[] centre = centre(r.nextInt(CLUSTERS));
            float[] v = new float[NQ * DIM];
            for (int q = 0; q < NQ; q++) {
                System.arraycopy(unit(r, centre, 0.8f), 0, v, q * DIM, DIM);
            }
            return v;
        }

        @Override
        public float[] perturbed(int ord) {
            return null;
        }

        private static final float[][] CENTRES = new float[CLUSTERS][];

        static {
            Random r = new Random(SEED);
            for (int c = 0; c < CLUSTERS; c++) {
                CENTRES[c] = unit(r, null, 0);
            }
        }

        private static float[] centre(int c) {
            return CENTRES[c];
        }
    }

    /**
     * Each query's true top {@code ks[j]} images by ITC (max over the 32 vectors; ties by gallery order), one pass over
     * the gallery with images split across the cores.
     */
    static List<List<Set<Integer>>> groundTruth(Gallery gallery, float[][] texts, int[] ks) {
        int n = gallery.n(), queries = texts.length;
        int keep = Arrays.stream(ks).max().orElseThrow();
        float[][] scores = new float[queries][n];
        IntStream.range(0, n).parallel().forEach(j -> {
            float[] v = gallery.plain(j);
            for (int t = 0; t < queries; t++) {
                scores[t][j] = itc(v, texts[t]);
            }
        });
        List<List<Set<Integer>>> out = new ArrayList<>();
        for (int k : ks) {
            out.add(new ArrayList<>());
        }
        for (int t = 0; t < queries; t++) {
            float[] s = scores[t];
            Comparator<Integer> worstFirst = (a, b) -> s[a] != s[b] ? Float.compare(s[a], s[b]) : Integer.compare(b, a);
            PriorityQueue<Integer> best = new PriorityQueue<>(worstFirst);
            for (int j = 0; j < n; j++) {
                best.add(j);
                if (best.size() > keep) {
                    best.poll();
                }
            }
            List<Integer> order = new ArrayList<>(best);
            order.sort(worstFirst.reversed());
            for (int i = 0; i < ks.length; i++) {
                out.get(i).add(new HashSet<>(order.subList(0, Math.min(ks[i], order.size()))));
            }
        }
        return out;
    }

    /** The in-memory ITC of one image: the best of its 32 cosines with the text. */
    static float itc(float[] image, float[] text) {
        float best = Float.NEGATIVE_INFINITY;
        for (int q = 0; q < NQ; q++) {
            float dot = 0f;
            for (int k = 0; k < DIM; k++) {
                dot += image[q * DIM + k] * text[k];
            }
            best = Math.max(best, dot);
        }
        return best;
    }

    static double recall(List<VectorIndex.Hit> hits, Set<Integer> truth) {
        return hits.stream().filter(h -> truth.contains(h.ord())).count() / (double) truth.size();
    }

    static double pct(long[] ns, double p) {
        long[] s = ns.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.floor(p * s.length))];
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

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
