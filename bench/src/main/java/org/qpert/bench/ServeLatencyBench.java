package org.qpert.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.qpert.core.backend.CpuBackend;
import org.qpert.core.model.WeightSource;
import org.qpert.core.model.blip2.Blip2Config;
import org.qpert.core.model.blip2.Blip2Retrieval;
import org.qpert.core.qpert.Box;
import org.qpert.core.qpert.Perturbation;
import org.qpert.engine.DemoModel;
import org.qpert.engine.GalleryIndex;
import org.qpert.engine.ModelEngine;
import org.qpert.engine.RetrievalEngine;
import org.qpert.engine.StoredImage;
import org.qpert.loaders.safetensors.SafetensorsWriter;
import org.qpert.loaders.store.EmbeddingStore;
import org.qpert.server.QPertServer;
import org.qpert.server.ServerOptions;

/**
 * Latency of {@code POST /v1/search} under load: p50/p99 over HTTP with 1, 4 and 16 concurrent clients, ITC only and
 * with ITM re-ranking of the top 16, against a store of N images.
 *
 * <p>The stored gallery is SYNTHETIC: random Z, random unit ITC features (plain and perturbed) and 1-3 random boxes per
 * image, written in the store format; embedding 1,000 images with a real-size ViT-g on a small CPU would take hours and
 * the query path never runs the ViT. The query path is real: tokenizer, Q-Former text encoder, ITC over every stored
 * image, and for re-ranking P̄ from the stored Z and boxes plus the ITM Q-Former pass for each of the top 16.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -Xmx6g -cp bench/target/benchmarks.jar org.qpert.bench.ServeLatencyBench \
 *     tiny|real [images=1000] [requests per client, 0 = default] [work dir] [reranks, e.g. 0,16]
 * </pre>
 * {@code real}: blip2-itm-vit-g sizes (Q-Former 768 × 12, 32 queries, ViT width 1408, 224 px so Z is 257 × 1408) with
 * random weights written to a checkpoint folder; the ViT has 1 layer instead of 39 since the query path never runs it.
 */
public final class ServeLatencyBench {
    static final List<String> QUERIES = List.of("a small red ball under the table", "a dog on a sofa",
            "a blue square next to a yellow circle", "two people walking in the park", "a cat sleeping on a bed",
            "a green triangle on a white background", "a man riding a bicycle", "a bowl of fruit on the table");

    private ServeLatencyBench() {
    }

    public static void main(String[] args) throws Exception {
        String size = args.length > 0 ? args[0] : "tiny";
        int images = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
        int perClient = args.length > 2 ? Integer.parseInt(args[2]) : 0;
        Path work = args.length > 3 ? Path.of(args[3]) : Files.createTempDirectory("qpert-serve-bench");
        int[] reranks = args.length > 4 ? Arrays.stream(args[4].split(",")).mapToInt(Integer::parseInt).toArray()
                : new int[] {0, 16};
        Path model = size.equals("real") ? realSizeModel(work.resolve("model-real")) : DemoModel.extract(
                work.resolve("model-tiny"));
        System.out.printf(Locale.ROOT, "# %s model, %d synthetic stored images, %d cores, %s%n", size, images,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.version"));
        try (RetrievalEngine engine = ModelEngine.load(model, Perturbation.published());
             EmbeddingStore store = syntheticStore(engine, work.resolve("store-" + size + "-" + images), images)) {
            int workers = Math.max(1, Runtime.getRuntime().availableProcessors());
            QPertServer server = QPertServer.start(GalleryIndex.load(engine, store), null,
                    ServerOptions.defaults().withPort(0).withPool(workers, 256));
            try {
                System.out.printf(Locale.ROOT, "# server: %d workers; latency = client-side, request to full "
                        + "response%n", workers);
                System.out.println("| model | rerank | clients | requests | p50 ms | p99 ms | max ms | req/s |");
                System.out.println("|---|---|---|---|---|---|---|---|");
                for (int rerank : reranks) {
                    for (int clients : new int[] {1, 4, 16}) {
                        int n = perClient > 0 ? perClient : defaultRequests(size, rerank, clients);
                        measure(server.port(), size, rerank, clients, size.equals("real") && rerank > 0 ? 1 : 2, n);
                    }
                }
            } finally {
                server.close();
            }
        }
    }

    /**
     * Requests per client: enough for a median in a minute or two per row on 2 cores. Real-size ITM re-ranking costs
     * seconds per request (each candidate's cross-attention keys and values are projected from its stored Z), so those
     * rows have 8-16 requests and their p99 is the maximum.
     */
    private static int defaultRequests(String size, int rerank, int clients) {
        if (size.equals("tiny")) {
            return Math.max(10, 200 / clients);
        }
        return rerank == 0 ? Math.max(5, 80 / clients) : Math.max(1, 8 / clients);
    }

    private static void measure(int port, String size, int rerank, int clients, int warmup, int perClient)
            throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<long[]>> futures = new ArrayList<>();
            long start = System.nanoTime();
            for (int c = 0; c < clients; c++) {
                int client = c;
                int warm = warmup;
                futures.add(pool.submit(() -> {
                    long[] out = new long[perClient];
                    for (int i = -warm; i < perClient; i++) {
                        String q = QUERIES.get(Math.floorMod(client * 7 + i, QUERIES.size()));
                        long t0 = System.nanoTime();
                        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                + port + "/v1/search")).timeout(Duration.ofMinutes(10)).POST(
                                HttpRequest.BodyPublishers.ofString("{\"text\": \"" + q + "\", \"top\": 10, "
                                        + "\"rerank\": " + rerank + "}")).build(), HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() != 200) {
                            throw new IllegalStateException("HTTP " + r.statusCode() + ": " + r.body());
                        }
                        if (i >= 0) {
                            out[i] = System.nanoTime() - t0;
                        }
                    }
                    return out;
                }));
            }
            long[] all = new long[clients * perClient];
            for (int c = 0; c < clients; c++) {
                System.arraycopy(futures.get(c).get(), 0, all, c * perClient, perClient);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Arrays.sort(all);
            System.out.printf(Locale.ROOT, "| %s | %s | %d | %d | %.1f | %.1f | %.1f | %.2f |%n", size,
                    rerank == 0 ? "ITC only" : "ITM top " + rerank, clients, all.length, pct(all, 0.50),
                    pct(all, 0.99), all[all.length - 1] / 1e6, clients * (perClient + warmup) / seconds);
        } finally {
            pool.shutdownNow();
        }
    }

    /** Nearest-rank percentile in ms. */
    private static double pct(long[] sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, rank - 1)] / 1e6;
    }

    /** N images with random Z, random unit-row ITC features and 1-3 random boxes, in the engine's store format. */
    static EmbeddingStore syntheticStore(RetrievalEngine engine, Path dir, int n) throws IOException {
        EmbeddingStore store = EmbeddingStore.open(dir, StoredImage.spec(engine), 64);
        if (store.storedCount() >= n) {
            return store;
        }
        int[] z = engine.imageEmbedsShape();
        int[] f = engine.featureShape();
        SplittableRandom rnd = new SplittableRandom(42);
        for (int i = store.storedCount(); i < n; i++) {
            Map<String, float[]> values = new LinkedHashMap<>();
            float[] zv = new float[z[0] * z[1]];
            for (int k = 0; k < zv.length; k++) {
                zv[k] = (float) rnd.nextGaussian();
            }
            values.put(StoredImage.Z, zv);
            values.put(StoredImage.ITC, unitRows(rnd, f[0], f[1]));
            values.put(StoredImage.ITC_QPERT, unitRows(rnd, f[0], f[1]));
            List<Box> boxes = new ArrayList<>();
            for (int b = 0, nb = 1 + rnd.nextInt(3); b < nb; b++) {
                double x0 = rnd.nextInt(560), y0 = rnd.nextInt(400);
                boxes.add(new Box(x0, y0, x0 + 20 + rnd.nextInt(60), y0 + 20 + rnd.nextInt(60)));
            }
            store.add(String.format(Locale.ROOT, "synthetic-%05d.jpg", i), values,
                    new StoredImage(480, 640, true, boxes).toJson());
        }
        store.flush();
        return store;
    }

    private static float[] unitRows(SplittableRandom rnd, int rows, int dim) {
        float[] out = new float[rows * dim];
        for (int r = 0; r < rows; r++) {
            double norm = 0;
            for (int d = 0; d < dim; d++) {
                double v = rnd.nextGaussian();
                out[r * dim + d] = (float) v;
                norm += v * v;
            }
            for (int d = 0; d < dim; d++) {
                out[r * dim + d] /= (float) Math.sqrt(norm);
            }
        }
        return out;
    }

    /**
     * A blip2-itm-vit-g-sized checkpoint folder with random weights (ViT reduced to 1 layer), a BERT-sized vocabulary
     * (the real special-token ids, the query words, filler), written once and reused.
     */
    static Path realSizeModel(Path dir) throws IOException {
        if (Files.isRegularFile(dir.resolve("model.safetensors"))) {
            return dir;
        }
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), """
                {"architectures": ["Blip2ForImageTextRetrieval"], "model_type": "blip-2", "num_query_tokens": 32,
                 "image_text_hidden_size": 256,
                 "qformer_config": {"model_type": "blip_2_qformer", "hidden_size": 768, "num_hidden_layers": 12,
                   "num_attention_heads": 12, "intermediate_size": 3072, "max_position_embeddings": 512,
                   "vocab_size": 30523, "encoder_hidden_size": 1408, "cross_attention_frequency": 2,
                   "use_qformer_text_input": true},
                 "vision_config": {"model_type": "blip_2_vision_model", "hidden_size": 1408, "num_hidden_layers": 1,
                   "num_attention_heads": 16, "intermediate_size": 6144, "image_size": 224, "patch_size": 14,
                   "qkv_bias": true},
                 "text_config": {"model_type": "opt"}}
                """, StandardCharsets.UTF_8);
        StringBuilder vocab = new StringBuilder("[PAD]\n");
        for (int i = 0; i < 99; i++) {
            vocab.append("[unused").append(i).append("]\n");
        }
        vocab.append("[UNK]\n[CLS]\n[SEP]\n[MASK]\n");
        Set<String> words = new java.util.LinkedHashSet<>();
        QUERIES.forEach(q -> words.addAll(List.of(q.split(" "))));
        words.forEach(w -> vocab.append(w).append('\n'));
        for (int i = 104 + words.size(); i < 30522; i++) {
            vocab.append("filler").append(i).append('\n');
        }
        Files.writeString(dir.resolve("vocab.txt"), vocab, StandardCharsets.UTF_8);
        Blip2Config cfg = org.qpert.loaders.config.Blip2ConfigReader.read(dir);
        Recording weights = new Recording(RandomWeights.sharedByShape());
        try (CpuBackend backend = new CpuBackend()) {
            Blip2Retrieval.load(cfg, weights, backend);
        }
        SafetensorsWriter w = new SafetensorsWriter();
        weights.tensors.forEach((name, t) -> w.addF32(name, t.shape(), t.values()));
        w.write(dir.resolve("model.safetensors"));
        return dir;
    }

    /** Remembers every tensor the model asks for, to write them out as a checkpoint. */
    private static final class Recording implements WeightSource {
        record Tensor(long[] shape, float[] values) {
        }

        final WeightSource inner;
        final Map<String, Tensor> tensors = new ConcurrentHashMap<>();

        Recording(WeightSource inner) {
            this.inner = inner;
        }

        @Override
        public Set<String> names() {
            return inner.names();
        }

        @Override
        public boolean contains(String name) {
            return inner.contains(name);
        }

        @Override
        public long[] shape(String name) {
            return inner.shape(name);
        }

        @Override
        public org.qpert.core.backend.WeightData tensor(String name, long... expectedShape) {
            org.qpert.core.backend.WeightData w = inner.tensor(name, expectedShape);
            tensors.put(name, new Tensor(expectedShape.clone(), w.toFloats()));
            return w;
        }

        @Override
        public String describe() {
            return inner.describe();
        }
    }
}
