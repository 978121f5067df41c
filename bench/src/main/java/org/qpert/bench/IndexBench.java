package org.qpert.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.qpert.core.retrieval.Progress;
import org.qpert.index.VectorIndex;

/**
 * Recall and latency of the Lucene index on synthetic galleries: n images of 32 unit vectors (dimension 256, BLIP-2
 * ViT-g's ITC size) drawn around 64 cluster centres; queries are perturbed copies of random images' vectors. Ground
 * truth is the in-memory ITC (max over the 32 vectors). Reports build time, index size, HNSW recall@10 and @100
 * against exact, and per-query latency (p50/p99, one thread) of HNSW and of the exact scan, for float32 and int8
 * vectors.
 *
 * <pre>java --add-modules jdk.incubator.vector -Xmx8g -cp bench/target/benchmarks.jar org.qpert.bench.IndexBench 10000 100</pre>
 */
public final class IndexBench {
    static final int NQ = 32, DIM = 256, CLUSTERS = 64;

    private IndexBench() {
    }

    public static void main(String[] args) throws IOException {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int queries = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        Path work = Files.createTempDirectory("qpert-index-bench");
        Random r = new Random(42);
        float[][] centres = new float[CLUSTERS][];
        for (int c = 0; c < CLUSTERS; c++) {
            centres[c] = unit(r, null, 0);
        }
        float[] feats = new float[n * NQ * DIM];
        for (int i = 0; i < n; i++) {
            float[] centre = centres[r.nextInt(CLUSTERS)];
            for (int q = 0; q < NQ; q++) {
                System.arraycopy(unit(r, centre, 0.8f), 0, feats, (i * NQ + q) * DIM, DIM);
            }
        }
        float[][] texts = new float[queries][];
        List<Set<Integer>> truth10 = new ArrayList<>(), truth100 = new ArrayList<>();
        for (int t = 0; t < queries; t++) {
            int i = r.nextInt(n);
            texts[t] = unit(r, Arrays.copyOfRange(feats, i * NQ * DIM, i * NQ * DIM + DIM), 1.2f);
            float[] s = itcOfEveryImage(feats, n, texts[t]);
            List<Integer> order = IntStream.range(0, n).boxed().sorted((a, b) -> Float.compare(s[b], s[a])).toList();
            truth10.add(new HashSet<>(order.subList(0, 10)));
            truth100.add(new HashSet<>(order.subList(0, Math.min(100, n))));
        }
        List<String> ids = IntStream.range(0, n).mapToObj(i -> "img" + i).toList();
        System.out.println("| images | vectors | int8 | build s | index MB | recall@10 | recall@100 | HNSW p50 ms "
                + "| HNSW p99 ms | exact p50 ms |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|");
        for (boolean int8 : new boolean[] {false, true}) {
            Path dir = work.resolve(int8 ? "int8" : "f32");
            long t0 = System.nanoTime();
            VectorIndex.build(dir, ids, feats, null, NQ, DIM, int8, Progress.logging("index", n, "images"));
            double buildS = (System.nanoTime() - t0) / 1e9;
            long bytes;
            try (Stream<Path> s = Files.list(dir)) {
                bytes = s.mapToLong(p -> p.toFile().length()).sum();
            }
            try (VectorIndex index = VectorIndex.open(dir)) {
                double r10 = 0, r100 = 0;
                long[] hnsw = new long[queries];
                for (int t = 0; t < queries; t++) {
                    long a = System.nanoTime();
                    List<VectorIndex.Hit> h10 = index.search(texts[t], 10, false, VectorIndex.Mode.HNSW);
                    hnsw[t] = System.nanoTime() - a;
                    List<VectorIndex.Hit> h100 = index.search(texts[t], 100, false, VectorIndex.Mode.HNSW);
                    r10 += recall(h10, truth10.get(t));
                    r100 += recall(h100, truth100.get(t));
                }
                int exactRuns = Math.min(queries, 10);
                long[] exact = new long[exactRuns];
                for (int t = 0; t < exactRuns; t++) {
                    long a = System.nanoTime();
                    index.search(texts[t], 10, false, VectorIndex.Mode.EXACT);
                    exact[t] = System.nanoTime() - a;
                }
                System.out.println(String.format(Locale.ROOT,
                        "| %d | %d | %s | %.1f | %.1f | %.3f | %.3f | %.2f | %.2f | %.1f |", n, (long) n * NQ,
                        int8 ? "yes" : "no", buildS, bytes / 1e6, r10 / queries, r100 / queries,
                        pct(hnsw, 0.5) / 1e6, pct(hnsw, 0.99) / 1e6, pct(exact, 0.5) / 1e6));
            }
        }
    }

    /** Ground truth: the in-memory ITC (max over each image's 32 vectors), images split across the cores. */
    static float[] itcOfEveryImage(float[] feats, int n, float[] text) {
        float[] s = new float[n];
        IntStream.range(0, n).parallel().forEach(j -> {
            float best = Float.NEGATIVE_INFINITY;
            for (int q = 0; q < NQ; q++) {
                int from = (j * NQ + q) * DIM;
                float dot = 0f;
                for (int k = 0; k < DIM; k++) {
                    dot += feats[from + k] * text[k];
                }
                best = Math.max(best, dot);
            }
            s[j] = best;
        });
        return s;
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
}
