package org.qpert.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.api.DetectorSettings;
import org.qpert.core.qpert.Box;
import org.qpert.core.qpert.Perturbation;
import org.qpert.engine.DemoModel;
import org.qpert.engine.DetectMode;
import org.qpert.engine.GalleryEmbedder;
import org.qpert.engine.GalleryImage;
import org.qpert.engine.ImageFolder;
import org.qpert.engine.ModelEngine;
import org.qpert.engine.RetrievalEngine;
import org.qpert.engine.StoreZ;
import org.qpert.engine.StoredImage;
import org.qpert.loaders.store.EmbeddingStore;
import org.qpert.loaders.synthetic.SyntheticDataset;

/**
 * The Spark job in local[2] mode on the bundled tiny model and six generated images, three partitions of two: its
 * store must hold exactly what the single-JVM {@link GalleryEmbedder} stores for the same images. Bitwise: every
 * partition runs that same embedder, and a batch gives each image exactly what it gives alone (engine tests).
 */
@Timeout(300)
class EmbedJobTest {
    private static final int PARTITION = 2;
    private static final int BATCH = 2;

    @TempDir
    static Path shared;
    @TempDir
    Path work;

    private static SparkSession spark;
    private static Path model;
    /** Image files and boxes: even positions annotated from the generated boxes, odd ones without boxes. */
    private static List<GalleryImage> images;
    private static Path reference;

    @BeforeAll
    static void setUp() throws Exception {
        model = DemoModel.extract(shared.resolve("model"));
        Path data = shared.resolve("data");
        SyntheticDataset.write(data, SyntheticDataset.Layout.FLICKR30K, 6, 0, 11);
        Path folder = data.resolve(SyntheticDataset.Layout.FLICKR30K.imageDir);
        List<GalleryImage> scanned = ImageFolder.scan(folder, data.resolve(SyntheticDataset.BOXES_FILE));
        images = new ArrayList<>();
        for (int i = 0; i < scanned.size(); i++) {
            GalleryImage g = scanned.get(i);
            assertFalse(g.boxes().isEmpty(), "generated scenes have objects");
            images.add(i % 2 == 0 ? g : new GalleryImage(g.id(), g.file(), List.of(), false));
        }
        reference = shared.resolve("reference");
        try (RetrievalEngine engine = ModelEngine.load(model, Perturbation.published());
             EmbeddingStore store = EmbeddingStore.open(reference, StoredImage.spec(engine), BATCH)) {
            assertEquals(6, GalleryEmbedder.embedMissing(engine, images, store, BATCH));
        }
        spark = SparkSession.builder().master("local[2]").appName("qpert-spark-test")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "2")
                // Compiling generated code for a six-row manifest costs more than it saves.
                .config("spark.sql.codegen.wholeStage", "false")
                .getOrCreate();
    }

    @AfterAll
    static void tearDown() {
        if (spark != null) {
            spark.stop();
        }
    }

    private static ModelSettings plain() {
        return new ModelSettings(model.toString(), true, 8, 0.99, "cpu", "f32", null, null, null);
    }

    private static JobOptions options(Path manifest, Path store, ModelSettings settings, boolean index) {
        return options(manifest, store, settings, index, StoreZ.F32);
    }

    private static JobOptions options(Path manifest, Path store, ModelSettings settings, boolean index, StoreZ z) {
        return new JobOptions(manifest, null, store, settings, BATCH, PARTITION, GalleryEmbedder.OnError.STOP, index,
                false, z);
    }

    private static String boxesJson(GalleryImage g) {
        return g.boxes().stream().map(b -> "[" + b.x0() + "," + b.y0() + "," + b.x1() + "," + b.y1() + "]")
                .collect(Collectors.joining(",", "[", "]"));
    }

    /** CSV: paths relative to the manifest, absolute, and as a file: URI; boxes as JSON in a quoted cell. */
    private Path csv(Path dir) throws Exception {
        StringBuilder sb = new StringBuilder("id,path,boxes\n");
        for (int i = 0; i < images.size(); i++) {
            GalleryImage g = images.get(i);
            String path = switch (i % 3) {
                case 0 -> dir.relativize(g.file()).toString();
                case 1 -> g.file().toAbsolutePath().toString();
                default -> g.file().toUri().toString();
            };
            sb.append(g.id()).append(',').append(path).append(',')
                    .append(g.annotated() ? "\"" + boxesJson(g) + "\"" : "").append('\n');
        }
        Path m = dir.resolve("gallery.csv");
        Files.writeString(m, sb);
        return m;
    }

    /** JSON lines: boxes as arrays of numbers, absent for images without them. */
    private Path jsonl(Path dir) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (GalleryImage g : images) {
            sb.append("{\"id\": \"").append(g.id()).append("\", \"path\": \"").append(g.file().toAbsolutePath())
                    .append('"').append(g.annotated() ? ", \"boxes\": " + boxesJson(g) : "").append("}\n");
        }
        Path m = dir.resolve("gallery.jsonl");
        Files.writeString(m, sb);
        return m;
    }

    /** Same ids in manifest order, same values bit for bit, same metadata (size, boxes, file). */
    private static void assertSameAs(Path expectedDir, Path storeDir) throws Exception {
        assertTrue(EmbeddingStore.verify(storeDir).intact(), "every shard listed and intact");
        try (EmbeddingStore expected = EmbeddingStore.openExisting(expectedDir);
             EmbeddingStore actual = EmbeddingStore.openExisting(storeDir)) {
            assertEquals(expected.spec().settings(), actual.spec().settings());
            assertEquals(expected.ids(), actual.ids());
            for (String id : expected.ids()) {
                for (String field : expected.spec().fieldNames()) {
                    assertArrayEquals(expected.read(id, field), actual.read(id, field), id + "/" + field);
                }
                assertEquals(expected.meta(id), actual.meta(id), "metadata of " + id);
            }
        }
    }

    @Test
    void csvManifestGivesTheSingleJvmStoreAndAReRunSkipsEveryPartition() throws Exception {
        Path store = work.resolve("store");
        JobReport first = EmbedJob.run(spark, options(csv(work), store, plain(), false));
        assertEquals(3, first.partitions());
        assertEquals(0, first.skipped());
        assertEquals(6, first.embedded());
        assertEquals(6, first.merged());
        assertEquals(6, first.stored());
        assertSameAs(reference, store);
        String index = Files.readString(store.resolve(EmbeddingStore.INDEX));

        JobReport again = EmbedJob.run(spark, options(csv(work), store, plain(), false));
        assertEquals(3, again.skipped(), "every part is complete");
        assertEquals(0, again.embedded());
        assertEquals(0, again.merged());
        assertEquals(index, Files.readString(store.resolve(EmbeddingStore.INDEX)), "the store is left as it was");
    }

    @Test
    void storeZInSixteenBitsIsRecordedAndAReRunWithAnotherIsRefused() throws Exception {
        Path store = work.resolve("store-f16");
        EmbedJob.run(spark, options(csv(work), store, plain(), false, StoreZ.F16));
        try (EmbeddingStore expected = EmbeddingStore.openExisting(reference);
             EmbeddingStore actual = EmbeddingStore.openExisting(store)) {
            assertEquals(StoreZ.F16, StoreZ.of(actual.spec()));
            assertEquals(expected.ids(), actual.ids());
            for (String id : expected.ids()) {
                assertArrayEquals(expected.read(id, StoredImage.ITC), actual.read(id, StoredImage.ITC), id);
                float[] z32 = expected.read(id, StoredImage.Z), z16 = actual.read(id, StoredImage.Z);
                for (int i = 0; i < z32.length; i++) {
                    // float16 keeps 11 significant bits: rounding moves a value by at most 2^-11 of it (normal range).
                    assertEquals(z32[i], z16[i], Math.abs(z32[i]) * 0x1p-11f + 0x1p-24f, id + " z[" + i + "]");
                }
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EmbedJob.run(spark, options(csv(work), store, plain(), false, StoreZ.F32)));
        assertTrue(e.getMessage().contains("store_z f16 -> f32"), e.getMessage());

        Path noZ = work.resolve("store-no-z");
        EmbedJob.run(spark, options(csv(work), noZ, plain(), false, StoreZ.NONE));
        try (EmbeddingStore actual = EmbeddingStore.openExisting(noZ)) {
            assertEquals(StoreZ.NONE, StoreZ.of(actual.spec()));
            assertFalse(actual.spec().fieldNames().contains(StoredImage.Z));
            assertEquals(6, actual.storedCount());
        }
    }

    /** A task killed after its first batch left a part with one image and a half-written shard: only the rest runs. */
    @Test
    void aPartitionKilledHalfwayIsResumed() throws Exception {
        Path store = work.resolve("store");
        Path part = PartitionEmbedder.partDir(store.resolve(EmbedJob.PARTS), 1);
        try (RetrievalEngine engine = ModelEngine.load(model, Perturbation.published());
             EmbeddingStore s = EmbeddingStore.open(part, StoredImage.spec(engine), 1)) {
            GalleryEmbedder.embedMissing(engine, images.subList(2, 3), s, 1);
        }
        Files.write(part.resolve("shard-000001.safetensors.tmp"), new byte[] {1, 2, 3});

        JobReport report = EmbedJob.run(spark, options(csv(work), store, plain(), false));
        assertEquals(0, report.skipped());
        assertEquals(5, report.embedded(), "the image the killed task stored is not embedded again");
        assertEquals(1, report.parts().stream().filter(p -> p.partition() == 1).findFirst().orElseThrow().embedded());
        assertSameAs(reference, store);
    }

    /** With --on-error skip a missing image is recorded and the rest stored; a re-run retries only its partition. */
    @Test
    void aFailedImageIsRecordedAndRetriedByTheNextRun() throws Exception {
        Path manifest = csv(work);
        Files.writeString(manifest, Files.readString(manifest) + "gone,gone.png,\n");
        Path store = work.resolve("store");
        JobOptions skip = new JobOptions(manifest, null, store, plain(), BATCH, PARTITION,
                GalleryEmbedder.OnError.SKIP, false, false, StoreZ.F32);
        JobReport first = EmbedJob.run(spark, skip);
        assertEquals(4, first.partitions());
        assertEquals(6, first.stored());
        assertEquals(java.util.Set.of("gone"), first.failed().keySet());
        assertTrue(first.failed().get("gone").contains("gone.png"), first.failed().get("gone"));
        assertSameAs(reference, store);

        JobReport again = EmbedJob.run(spark, skip);
        assertEquals(3, again.skipped(), "only the partition with the failed image runs again");
        assertFalse(again.parts().stream().filter(p -> p.partition() == 3).findFirst().orElseThrow().skipped());
        assertEquals(java.util.Set.of("gone"), again.failed().keySet());
        try (EmbeddingStore s = EmbeddingStore.openExisting(store)) {
            assertEquals(java.util.Set.of("gone"), s.failures().keySet(), "the store records the failure");
        }
    }

    @Test
    void jsonLinesAndParquetManifestsGiveTheSameStore() throws Exception {
        Path jsonl = jsonl(work);
        Path fromJson = work.resolve("from-jsonl");
        JobReport report = EmbedJob.run(spark, options(jsonl, fromJson, plain(), true));
        assertEquals(6, report.stored());
        assertSameAs(reference, fromJson);
        assertTrue(Files.isDirectory(fromJson.resolve("lucene")), "--index builds STORE/lucene");

        Path parquet = work.resolve("gallery.parquet");
        spark.read().json(jsonl.toUri().toString()).write().parquet(parquet.toUri().toString());
        Path fromParquet = work.resolve("from-parquet");
        EmbedJob.run(spark, options(parquet, fromParquet, plain(), false));
        assertSameAs(reference, fromParquet);
    }

    @Test
    void boxesFromTheDetectorWhenTheManifestHasNone() throws Exception {
        Path detector = DemoModel.extractDetector(work.resolve("detector"));
        List<GalleryImage> unboxed = images.stream()
                .map(g -> new GalleryImage(g.id(), g.file(), List.of(), false)).toList();
        Path expected = work.resolve("expected");
        try (RetrievalEngine engine = ModelEngine.load(model, Perturbation.published(), "cpu", "f32",
                new ModelEngine.Detection(detector, DetectorSettings.defaults(), DetectMode.MISSING));
             EmbeddingStore store = EmbeddingStore.open(expected, StoredImage.spec(engine), BATCH)) {
            GalleryEmbedder.embedMissing(engine, unboxed, store, BATCH);
        }
        Path manifest = work.resolve("paths.csv");
        Files.writeString(manifest, "path\n" + unboxed.stream().map(g -> g.file().toString())
                .collect(Collectors.joining("\n")) + "\n");
        Path store = work.resolve("store");
        ModelSettings detecting = new ModelSettings(model.toString(), true, 8, 0.99, "cpu", "f32",
                detector.toString(), "missing", null);
        EmbedJob.run(spark, options(manifest, store, detecting, false));
        // Ids are the paths as written; the expected store keyed by the folder's relative ids holds the same images.
        try (EmbeddingStore want = EmbeddingStore.openExisting(expected);
             EmbeddingStore got = EmbeddingStore.openExisting(store)) {
            assertEquals(want.spec().settings(), got.spec().settings());
            for (GalleryImage g : unboxed) {
                String id = g.file().toString();
                assertTrue(StoredImage.of(got, id).annotated(), "detected boxes count as an annotation");
                assertEquals(want.meta(g.id()), got.meta(id));
                for (String field : want.spec().fieldNames()) {
                    assertArrayEquals(want.read(g.id(), field), got.read(id, field), id + "/" + field);
                }
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EmbedJob.run(spark, options(manifest, store, plain(), false)));
        assertTrue(e.getMessage().contains("other settings") && e.getMessage().contains("detector"), e.getMessage());
    }

    /**
     * A single-vector family through the same job, no family flag: the bundled tiny CoCa's store equals the single-JVM
     * store, holds no Z (CoCa has no pair scorer) and gets its one-vector-per-image index; a BLIP-2 run is then refused on its parts.
     */
    @Test
    void aCocaGalleryGivesTheSingleJvmStoreWithoutZ() throws Exception {
        Path coca = DemoModel.extractCoca(work.resolve("coca"));
        ModelSettings settings = new ModelSettings(coca.toString(), true, 8, 0.99, "cpu", "f32", null, null, null);
        Path expected = work.resolve("coca-reference");
        try (RetrievalEngine engine = ModelEngine.load(coca, Perturbation.published());
             EmbeddingStore store = EmbeddingStore.open(expected, StoredImage.spec(engine), BATCH)) {
            assertFalse(engine.scoresPairs());
            assertEquals(6, GalleryEmbedder.embedMissing(engine, images, store, BATCH));
        }
        Path store = work.resolve("coca-store");
        JobReport report = EmbedJob.run(spark, options(csv(work), store, settings, true));
        assertEquals(6, report.stored());
        assertSameAs(expected, store);
        try (EmbeddingStore s = EmbeddingStore.openExisting(store)) {
            assertFalse(StoredImage.hasZ(s), "no Z without a pair scorer");
            assertEquals("coca", s.spec().settings().get("family"));
        }
        assertTrue(Files.isDirectory(store.resolve("lucene")), "--index builds STORE/lucene");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EmbedJob.run(spark, options(csv(work), store, plain(), false)));
        assertTrue(e.getMessage().contains("other settings") && e.getMessage().contains("model"), e.getMessage());
    }

    /**
     * A checkpoint holding two models: tiny-internvl loaded as InternVL-C gives the single-JVM InternVL-C store, which
     * records the variant; a run asking for InternVL-G is then refused on its parts.
     */
    @Test
    void anInternvlCGalleryGivesTheSingleJvmStoreWithItsVariant() throws Exception {
        Path internvl = Path.of("../testdata/parity/tiny-internvl");
        ModelSettings settings = new ModelSettings(internvl.toString(), true, 8, 0.99, "cpu", "f32", null, null, "C");
        Path expected = work.resolve("internvl-reference");
        try (RetrievalEngine engine = ModelEngine.load(internvl, "C", Perturbation.published(), "cpu", "f32", null);
             EmbeddingStore store = EmbeddingStore.open(expected, StoredImage.spec(engine), BATCH)) {
            assertEquals(6, GalleryEmbedder.embedMissing(engine, images, store, BATCH));
        }
        Path store = work.resolve("internvl-store");
        JobReport report = EmbedJob.run(spark, options(csv(work), store, settings, false));
        assertEquals(6, report.stored());
        assertSameAs(expected, store);
        try (EmbeddingStore s = EmbeddingStore.openExisting(store)) {
            assertEquals("InternVL-C", s.spec().settings().get(StoredImage.VARIANT));
        }
        ModelSettings g = new ModelSettings(internvl.toString(), true, 8, 0.99, "cpu", "f32", null, null, "G");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EmbedJob.run(spark, options(csv(work), store, g, false)));
        assertTrue(e.getMessage().contains("other settings") && e.getMessage().contains("variant"), e.getMessage());
    }

    @Test
    void aBadManifestFailsNamingTheFileAndRow() throws Exception {
        Path noPath = work.resolve("no-path.csv");
        Files.writeString(noPath, "file,boxes\na.png,\n");
        assertError(noPath, "has no 'path' column");

        String good = images.get(0).file().toString();
        Path inverted = work.resolve("inverted.csv");
        Files.writeString(inverted, "path,boxes\n" + good + ",\n" + images.get(1).file() + ",\n"
                + images.get(2).file() + ",\"[[10, 10, 20, 20], [30, 5, 20, 40]]\"\n");
        assertError(inverted, "row 3: boxes box 2: box (30.0, 5.0, 20.0, 40.0) is inverted");

        Path notJson = work.resolve("not-json.jsonl");
        Files.writeString(notJson, "{\"path\": \"" + good + "\", \"boxes\": \"[[1, 2, 3\"}\n");
        assertError(notJson, "row 1: boxes is not JSON");

        Path threeNumbers = work.resolve("three.jsonl");
        Files.writeString(threeNumbers, "{\"path\": \"" + good + "\", \"boxes\": [[1, 2, 3]]}\n");
        assertError(threeNumbers, "row 1: boxes box 1 must be 4 numbers");

        Path twice = work.resolve("twice.csv");
        Files.writeString(twice, "path\n" + good + "\n" + images.get(1).file() + "\n" + good + "\n");
        assertError(twice, "row 3: image id '" + good + "' is listed more than once");

        Path number = work.resolve("number.jsonl");
        Files.writeString(number, "{\"path\": 7}\n");
        assertError(number, "row 1: 'path' must be text, got 7");

        Path remote = work.resolve("remote.csv");
        Files.writeString(remote, "path\ns3://bucket/a.png\n");
        assertError(remote, "row 1: 's3://bucket/a.png': only local paths and file: URIs");

        assertFalse(Files.exists(work.resolve("store")), "nothing is written for a bad manifest");
    }

    private void assertError(Path manifest, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EmbedJob.run(spark, options(manifest, work.resolve("store"), plain(), false)));
        assertTrue(e.getMessage().startsWith("manifest " + manifest), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void boxesOfAnImageAreReadAsTheEngineTakesThem() {
        assertEquals(new Box(1, 2, 3, 4), new ManifestEntry(0, "a", "/a.png", new double[][] {{1, 2, 3, 4}})
                .toGalleryImage().boxes().get(0));
        assertFalse(new ManifestEntry(0, "a", "/a.png", null).toGalleryImage().annotated());
        assertTrue(new ManifestEntry(0, "a", "/a.png", new double[0][]).toGalleryImage().annotated(),
                "an empty list is an annotation without objects");
    }
}
