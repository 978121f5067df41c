package org.qpert.bench;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.qpert.loaders.store.EmbeddingStore;
import org.qpert.loaders.store.StoreSpec;

/**
 * What a reader's CRC32C check of every shard costs when a store is opened ({@link EmbeddingStore#openExisting}):
 * a synthetic store of N images (one float32 field of E values each, a metadata object with a box, shards of 1024
 * images) is written once under bench/target, then opened R times as it is and R times through a copy whose index
 * lists no checksums (the shards hard-linked; a reader then checks sizes only). Reports the median open time of
 * each, and the checksum throughput, which carries the figure over to stores of other widths.
 *
 * <pre>java -cp bench/target/benchmarks.jar org.qpert.bench.ShardCrcBench [N [E [R]]]</pre>
 */
public final class ShardCrcBench {
    private ShardCrcBench() {
    }

    public static void main(String[] args) throws IOException {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int e = args.length > 1 ? Integer.parseInt(args[1]) : 256;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        Path root = Path.of("bench", "target", "shard-crc-" + n + "x" + e);
        Path checked = root.resolve("store"), unchecked = root.resolve("store-without-crc");
        if (!Files.exists(checked.resolve("index.json"))) {
            write(checked, n, e);
        }
        withoutChecksums(checked, unchecked);
        long bytes;
        try (Stream<Path> files = Files.list(checked)) {
            bytes = files.filter(p -> p.getFileName().toString().startsWith("shard-")).mapToLong(p -> p.toFile()
                    .length()).sum();
        }
        double with = medianOpenSeconds(checked, runs, n), without = medianOpenSeconds(unchecked, runs, n);
        System.out.printf(Locale.ROOT, "%d images x %d floats, %.1f MB of shards: openExisting median of %d: "
                        + "%.3f s with CRC32C, %.3f s without (sizes only): the check costs %.3f s, %.2f GB/s%n",
                n, e, bytes / 1e6, runs, with, without, with - without, bytes / 1e9 / Math.max(1e-9, with - without));
    }

    private static void write(Path dir, int n, int e) throws IOException {
        StoreSpec spec = new StoreSpec(Map.of("model", "shard-crc-bench"), Map.of("itc", new int[] {1, e}));
        Random random = new Random(42);
        try (EmbeddingStore store = EmbeddingStore.open(dir, spec, 1024)) {
            for (int i = 0; i < n; i++) {
                float[] itc = new float[e];
                for (int j = 0; j < e; j++) {
                    itc[j] = (float) random.nextGaussian();
                }
                store.add(String.format(Locale.ROOT, "images/%07d.jpg", i), Map.of("itc", itc),
                        "{\"height\":375,\"width\":500,\"annotated\":true,\"boxes\":[[12.0,30.5,210.0,340.25]]}");
            }
        }
    }

    /** A copy of the store whose index has no "crc32c" entries, the shards hard-linked. */
    private static void withoutChecksums(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        JsonObject index = JsonParser.parseString(Files.readString(from.resolve("index.json"), StandardCharsets.UTF_8))
                .getAsJsonObject();
        for (JsonElement s : index.getAsJsonArray("shards")) {
            String file = s.getAsJsonObject().remove("crc32c") == null ? null : s.getAsJsonObject().get("file")
                    .getAsString();
            if (file != null && !Files.exists(to.resolve(file))) {
                Files.createLink(to.resolve(file), from.resolve(file));
            }
        }
        Files.writeString(to.resolve("index.json"), index.toString(), StandardCharsets.UTF_8);
    }

    private static double medianOpenSeconds(Path dir, int runs, int n) throws IOException {
        double[] seconds = new double[runs + 1];
        for (int r = 0; r <= runs; r++) { // the first run warms the page cache and the JIT, and is not counted
            long t0 = System.nanoTime();
            try (EmbeddingStore s = EmbeddingStore.openExisting(dir)) {
                if (s.ids().size() != n) {
                    throw new IllegalStateException(dir + " holds " + s.ids().size() + " images, not " + n);
                }
            }
            seconds[r] = (System.nanoTime() - t0) / 1e9;
        }
        double[] counted = Arrays.copyOfRange(seconds, 1, runs + 1);
        Arrays.sort(counted);
        return counted[runs / 2];
    }
}
