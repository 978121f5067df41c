package org.qpert.spark;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.reflect.TypeToken;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;
import org.qpert.engine.GalleryEmbedder;
import org.qpert.engine.StoreZ;
import org.qpert.index.IndexedSearch;
import org.qpert.loaders.store.EmbeddingStore;
import scala.Tuple2;

/**
 * Embeds the gallery a manifest lists across a Spark application's executors into one embedding store, the format
 * {@code qpert embed} writes.
 *
 * <p>The manifest's rows are cut into consecutive ranges of {@link JobOptions#partitionSize()} rows, one partition
 * each; every partition embeds its images into {@code STORE/parts/part-NNNNNN} ({@link PartitionEmbedder}), with the
 * model loaded once per executor JVM. Then the driver merges the parts' shards into {@code STORE}'s single index
 * ({@link EmbeddingStore#adoptShards}). A re-run skips the partitions whose part is complete, resumes the others, and
 * merges what the store lacks. {@code STORE} and the images must be on a file system every executor and the driver
 * mount at the same paths.
 */
public final class EmbedJob {
    static final String PARTS = "parts";
    /** What the parts' contents depend on besides the manifest; a re-run with other settings is refused. */
    static final String JOB_FILE = "job.json";
    private static final String STORE_Z = "store_z";
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    private EmbedJob() {
    }

    public static JobReport run(SparkSession spark, JobOptions o) throws IOException {
        Path parts = o.store().resolve(PARTS);
        JavaRDD<ManifestEntry> entries = Manifest.entries(spark, o.manifest(),
                Manifest.Format.of(o.format(), o.manifest()));
        long rows = validate(entries, o.manifest());
        claimParts(parts, o);
        int partitions = Math.toIntExact((rows + o.partitionSize() - 1) / o.partitionSize());
        int size = o.partitionSize();
        ModelSettings model = o.model();
        int batch = o.batch();
        GalleryEmbedder.OnError onError = o.onError();
        StoreZ storeZ = o.storeZ();
        String partsDir = parts.toAbsolutePath().toString();
        JavaPairRDD<Long, ManifestEntry> byRange = entries.mapToPair(e -> new Tuple2<>(e.row() / size, e))
                .partitionBy(new RowRanges(partitions));
        List<PartResult> results = sparkCall(o.manifest(), () -> byRange.mapPartitionsWithIndex((p, it) ->
                List.of(PartitionEmbedder.embed(p, it, Path.of(partsDir), model, batch, onError, storeZ)).iterator(), false)
                .collect());
        return merge(o, parts, results, rows);
    }

    /** Counts the rows, failing on the first bad one or on an id listed twice, before any model is loaded. */
    private static long validate(JavaRDD<ManifestEntry> entries, Path manifest) {
        return sparkCall(manifest, () -> {
            long n = entries.count();
            if (n == 0) {
                throw new IllegalArgumentException("manifest " + manifest + " lists no images");
            }
            List<Tuple2<String, Tuple2<Long, Long>>> twice = entries
                    .mapToPair(e -> new Tuple2<>(e.id(), new Tuple2<>(e.row(), 1L)))
                    .reduceByKey((a, b) -> new Tuple2<>(Math.max(a._1(), b._1()), a._2() + b._2()))
                    .filter(t -> t._2()._2() > 1).take(1);
            if (!twice.isEmpty()) {
                throw new IllegalArgumentException("manifest " + manifest + ", row " + (twice.get(0)._2()._1() + 1)
                        + ": image id '" + twice.get(0)._1() + "' is listed more than once");
            }
            return n;
        });
    }

    private static JobReport merge(JobOptions o, Path parts, List<PartResult> results, long rows) throws IOException {
        List<Path> dirs = new ArrayList<>();
        for (PartResult r : results.stream().sorted(java.util.Comparator.comparingInt(PartResult::partition)).toList()) {
            dirs.add(PartitionEmbedder.partDir(parts, r.partition()));
        }
        org.qpert.loaders.store.StoreSpec spec;
        try (EmbeddingStore first = EmbeddingStore.openExisting(dirs.get(0))) {
            spec = first.spec();
        }
        int merged, stored;
        Map<String, String> failed;
        try (EmbeddingStore store = EmbeddingStore.open(o.store(), spec, o.batch())) {
            merged = store.adoptShards(dirs);
            stored = store.storedCount();
            failed = store.failures();
            if (o.index()) {
                IndexedSearch.build(store, o.int8());
            }
        }
        int skipped = (int) results.stream().filter(PartResult::skipped).count();
        int embedded = results.stream().mapToInt(PartResult::embedded).sum();
        return new JobReport(o.store(), Math.toIntExact(rows), results.size(), skipped, embedded, merged, stored,
                failed, results);
    }

    /**
     * Records the settings the parts are made with on the first run, and refuses a re-run with others: its parts
     * would otherwise count as done with features of another model or setting.
     */
    private static void claimParts(Path parts, JobOptions o) throws IOException {
        Map<String, String> want = new LinkedHashMap<>(o.model().identity());
        want.put("partition_size", Integer.toString(o.partitionSize()));
        want.put(STORE_Z, o.storeZ().toString());
        Path file = parts.resolve(JOB_FILE);
        if (Files.exists(file)) {
            Map<String, String> have;
            try {
                have = GSON.fromJson(Files.readString(file, StandardCharsets.UTF_8),
                        new TypeToken<Map<String, String>>() { }.getType());
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(file + " is not a job record (" + e.getMessage() + ")", e);
            }
            if (have != null && !have.containsKey(STORE_Z)) {
                have.put(STORE_Z, StoreZ.F32.toString()); // recorded before --store-z existed: Z was float32
            }
            List<String> diff = new ArrayList<>();
            want.forEach((k, v) -> {
                if (have == null || !v.equals(have.get(k))) {
                    diff.add(k + " " + (have == null ? null : have.get(k)) + " -> " + v);
                }
            });
            if (!diff.isEmpty()) {
                throw new IllegalArgumentException("the parts in " + parts + " were made with other settings ("
                        + String.join("; ", diff) + "); use another store, or delete " + parts + " (and the store) to "
                        + "start over");
            }
            return;
        }
        Files.createDirectories(parts);
        Path tmp = parts.resolve(JOB_FILE + ".tmp");
        Files.writeString(tmp, GSON.toJson(want), StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Runs a Spark action; a task's failure is reported as its own error (e.g. a bad manifest row or image), not as
     * Spark's "job aborted" wrapper.
     */
    private static <T> T sparkCall(Path manifest, java.util.function.Supplier<T> action) {
        try {
            return action.get();
        } catch (Exception e) {    // Spark's Scala methods throw the checked SparkException undeclared
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                if (cause instanceof IllegalArgumentException || cause instanceof java.io.UncheckedIOException) {
                    throw (RuntimeException) cause;
                }
            }
            if (e instanceof RuntimeException r && !r.getClass().getName().startsWith("org.apache.spark")) {
                throw r;
            }
            throw new IllegalStateException("manifest " + manifest + ": " + rootMessage(e), e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }

    /** Partition k holds manifest rows [k * size, (k + 1) * size): the key is the row's range number. */
    static final class RowRanges extends Partitioner {
        private final int partitions;

        RowRanges(int partitions) {
            this.partitions = partitions;
        }

        @Override
        public int numPartitions() {
            return partitions;
        }

        @Override
        public int getPartition(Object key) {
            return Math.toIntExact((Long) key);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof RowRanges r && r.partitions == partitions;
        }

        @Override
        public int hashCode() {
            return partitions;
        }
    }
}
