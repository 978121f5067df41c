package org.qpert.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.core.backend.CpuBackend;
import org.qpert.core.model.QueryPerturbation;
import org.qpert.core.model.blip2.Blip2Retrieval;
import org.qpert.core.model.blip2.ImageContext;
import org.qpert.loaders.config.Blip2ConfigReader;
import org.qpert.loaders.dataset.KarpathySplit;
import org.qpert.loaders.dataset.RetrievalSplit;
import org.qpert.loaders.image.ClipImageProcessor;
import org.qpert.loaders.image.ImageDecoder;
import org.qpert.loaders.safetensors.SafetensorsWeights;
import org.qpert.loaders.synthetic.SyntheticDataset;
import org.qpert.loaders.text.BertTokenizer;
import org.qpert.loaders.text.EncodedBatch;
import picocli.CommandLine;

/** The qpert command end to end on the bundled tiny model and generated datasets. */
class CliEndToEndTest {
    @TempDir
    static Path work;
    static Path model;

    record Result(int status, String out, String err) {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int status = cl.execute(args);
        return new Result(status, out.toString(), err.toString());
    }

    @BeforeAll
    static void bundledModel() throws Exception {
        model = org.qpert.engine.DemoModel.extract(work.resolve("model"));
    }

    /**
     * eval in both layouts; the ITC-only metrics must equal an independent computation: features straight from the
     * model (no store), ranks by a stable sort of each score row.
     */
    @Test
    void evalInBothLayoutsMatchesAnIndependentItcRanking() throws Exception {
        for (SyntheticDataset.Layout layout : SyntheticDataset.Layout.values()) {
            Path root = work.resolve("data-" + layout);
            SyntheticDataset.write(root, layout, 5, 2, 11);
            Path report = work.resolve("report-" + layout + ".json");
            Result r = run("eval", "--dataset", layout.datasetName, "--root", root.toString(), "--model",
                    model.toString(), "--store", work.resolve("store-" + layout).toString(), "--report",
                    report.toString(), "--itm-k", "4", "--batch", "2");
            assertEquals(0, r.status(), r.err());
            assertTrue(r.out().contains("## Δ = with − without Q-Perturbation"), r.out());
            JsonObject json = JsonParser.parseString(Files.readString(report)).getAsJsonObject();
            assertEquals(5, json.get("images").getAsInt(), "train images are skipped");
            assertEquals(25, json.get("captions").getAsInt());
            JsonObject plain = json.getAsJsonArray("conditions").get(0).getAsJsonObject();
            assertEquals(false, plain.get("perturbed").getAsBoolean());
            JsonObject itcAll = plain.getAsJsonObject("itc_only").getAsJsonObject("all");
            double[] expected = independentItcRecalls(root, layout);
            JsonObject t2i = itcAll.getAsJsonObject("text_to_image"), i2t = itcAll.getAsJsonObject("image_to_text");
            assertEquals(expected[0], t2i.get("r1").getAsDouble(), 1e-9, layout + " T2I R@1");
            assertEquals(expected[1], t2i.get("r5").getAsDouble(), 1e-9, layout + " T2I R@5");
            assertEquals(expected[2], i2t.get("r1").getAsDouble(), 1e-9, layout + " I2T R@1");
            assertEquals(expected[3], t2i.get("mean_rank").getAsDouble(), 1e-9, layout + " T2I mean rank");
            // pairs: 5 images × top-4 texts ∪ 25 texts × top-4 images, each at most once: between 25·4 and 5·25
            long pairs = plain.get("itm_pairs_scored").getAsLong();
            assertTrue(pairs >= 100 && pairs <= 125, "ITM pairs " + pairs);
        }
    }

    /** T2I R@1, T2I R@5, I2T R@1, T2I mean rank from direct model calls and a sort. */
    private static double[] independentItcRecalls(Path root, SyntheticDataset.Layout layout) throws Exception {
        RetrievalSplit split = KarpathySplit.read(root.resolve(layout.splitFile));
        Path imageRoot = layout == SyntheticDataset.Layout.COCO ? root : root.resolve(layout.imageDir);
        Blip2Retrieval m;
        var cfg = Blip2ConfigReader.read(model);
        try (SafetensorsWeights w = SafetensorsWeights.open(model)) {
            m = Blip2Retrieval.load(cfg, w, new CpuBackend());
        }
        BertTokenizer tok = BertTokenizer.load(model).withLavisCleaning(true);
        ClipImageProcessor proc = new ClipImageProcessor(cfg.vision().imageSize());
        List<float[]> img = new ArrayList<>();
        for (Path p : split.imagePaths(imageRoot)) {
            ImageContext ctx = m.encodeImage(proc.pixelValues(new ImageDecoder().decode(p)));
            img.add(m.imageFeatures(ctx, QueryPerturbation.NONE));
        }
        List<float[]> txt = new ArrayList<>();
        for (String t : split.texts()) {
            EncodedBatch e = tok.encodeBatch(List.of(t), 35, BertTokenizer.Padding.LONGEST);
            txt.add(m.textFeatures(e.ids()[0], e.attentionMask()[0]));
        }
        int nT = txt.size(), nI = img.size();
        int t2i1 = 0, t2i5 = 0, i2t1 = 0;
        double rankSum = 0;
        for (int t = 0; t < nT; t++) {
            int tt = t;
            List<Integer> order = IntStream.range(0, nI).boxed()
                    .sorted(Comparator.comparingDouble(i -> -Blip2Retrieval.itc(img.get(i), txt.get(tt)))).toList();
            int rank = order.indexOf(split.imageOfText(t)) + 1;
            t2i1 += rank <= 1 ? 1 : 0;
            t2i5 += rank <= 5 ? 1 : 0;
            rankSum += rank;
        }
        for (int i = 0; i < nI; i++) {
            int ii = i;
            List<Integer> order = IntStream.range(0, nT).boxed()
                    .sorted(Comparator.comparingDouble(t -> -Blip2Retrieval.itc(img.get(ii), txt.get(t)))).toList();
            int best = IntStream.of(split.textsOfImage(i)).map(t -> order.indexOf(t) + 1).min().orElseThrow();
            i2t1 += best <= 1 ? 1 : 0;
        }
        return new double[] {100.0 * t2i1 / nT, 100.0 * t2i5 / nT, 100.0 * i2t1 / nI, rankSum / nT};
    }

    static Result search(Path store, boolean perturbed, String index) {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("search", "--index", index, "--text",
                "a small red circle", "--store", store.toString(), "--model", model.toString(), "--top", "4",
                "--itm-k", "2"));
        if (!perturbed) {
            args.add("--no-qpert");
        }
        return run(args.toArray(String[]::new));
    }

    @Test
    void embedResumesAndRefusesOtherSettingsThenSearchFindsResults() throws Exception {
        Path data = work.resolve("embed-data");
        SyntheticDataset.write(data, SyntheticDataset.Layout.FLICKR30K, 4, 0, 5);
        Path images = data.resolve(SyntheticDataset.Layout.FLICKR30K.imageDir);
        Path store = work.resolve("embed-store");
        Path extra = images.resolve("000003.png"), aside = work.resolve("000003.png");
        Files.move(extra, aside); // first run sees 3 images
        Result first = run("embed", "--images", images.toString(), "--boxes", data.resolve("boxes.json").toString(),
                "--model", model.toString(), "--store", store.toString(), "--batch", "2");
        assertEquals(0, first.status(), first.err());
        assertTrue(first.out().contains("3 images (3 embedded now, 0 already there)"), first.out());
        Files.move(aside, extra);
        Result second = run("embed", "--images", images.toString(), "--boxes", data.resolve("boxes.json").toString(),
                "--model", model.toString(), "--store", store.toString(), "--batch", "2");
        assertEquals(0, second.status(), second.err());
        assertTrue(second.out().contains("4 images (1 embedded now, 3 already there)"), second.out());

        List<String> firstShard;
        try (var s = org.qpert.loaders.store.EmbeddingStore.openExisting(store)) {
            firstShard = s.ids().subList(0, 2);
            for (String id : s.ids()) {
                var boxes = org.qpert.engine.StoredImage.of(s, id).boxes();
                assertTrue(!boxes.isEmpty(), "every generated image has boxes");
                assertTrue(!java.util.Arrays.equals(s.read(id, "itc"), s.read(id, "itc_qpert")),
                        "perturbation changes the features of " + id);
            }
        }
        Result other = run("embed", "--images", images.toString(), "--model", model.toString(), "--store",
                store.toString(), "--alpha", "4");
        assertEquals(2, other.status());
        assertEquals(1, other.err().strip().lines().count(), other.err());
        assertTrue(other.err().contains("was built with other settings (perturbation: 'CONSTANT alpha=4.0"),
                other.err());

        Result search = run("search", "--text", "a small red circle", "--store", store.toString(), "--model",
                model.toString(), "--top", "3", "--itm-k", "2");
        assertEquals(0, search.status(), search.err());
        assertEquals(5, search.out().strip().lines().count(), search.out()); // title, header, 3 results
        search.out().strip().lines().skip(2).forEach(line -> assertTrue(line.matches(
                "\\s+\\d\\s+-?\\d+\\.\\d{3}\\s+-?\\d+\\.\\d{3}\\s+00000[0-3]\\.png"), line));

        Result plain = run("search", "--no-qpert", "--text", "a small red circle", "--store", store.toString(),
                "--model", model.toString(), "--top", "2", "--itm-k", "0");
        assertEquals(0, plain.status(), "a store with perturbed and plain features serves --no-qpert: " + plain.err());
        assertEquals(4, plain.out().strip().lines().count(), plain.out());

        Result verified = run("store", "verify", store.toString());
        assertEquals(0, verified.status(), verified.out() + verified.err());
        assertTrue(verified.out().contains("store " + store + ": 3 shards, 4 images"), verified.out());
        Path shard = store.resolve("shard-000000.safetensors");
        byte[] bytes = Files.readAllBytes(shard);
        bytes[bytes.length - 1] ^= 0x40;
        Files.write(shard, bytes);
        java.util.logging.Logger storeLog = java.util.logging.Logger.getLogger(
                org.qpert.loaders.store.EmbeddingStore.class.getName());
        List<String> warnings = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler collect = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                warnings.add(r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        storeLog.addHandler(collect);
        Result skipped;
        try {
            skipped = run("search", "--text", "a small red circle", "--store", store.toString(), "--model",
                    model.toString(), "--top", "4", "--itm-k", "2");
        } finally {
            storeLog.removeHandler(collect);
        }
        assertEquals(0, skipped.status(), skipped.err());
        List<String> aboutShard = warnings.stream().filter(w -> w.contains("shard-000000.safetensors")).toList();
        assertEquals(1, aboutShard.size(), "one warning: " + warnings);
        assertTrue(aboutShard.get(0).contains("is corrupt (CRC32C") && aboutShard.get(0).contains("store verify")
                && aboutShard.get(0).contains("qpert embed"), aboutShard.get(0));
        assertEquals(4, skipped.out().strip().lines().count(), "the 2 images of the intact shards: " + skipped.out());
        firstShard.forEach(id -> assertFalse(skipped.out().contains(id), id + " of the corrupt shard: " + skipped.out()));
        Result corrupt = run("store", "verify", store.toString());
        assertEquals(1, corrupt.status(), corrupt.out());
        assertTrue(corrupt.out().contains("corrupt: shard-000000.safetensors is corrupt (CRC32C"), corrupt.out());
        Result repair = run("embed", "--images", images.toString(), "--boxes", data.resolve("boxes.json").toString(),
                "--model", model.toString(), "--store", store.toString(), "--batch", "2");
        assertEquals(0, repair.status(), repair.err());
        assertTrue(repair.out().contains("4 images (2 embedded now, 2 already there)"), repair.out());
        assertEquals(0, run("store", "verify", store.toString()).status());

        Path captions = work.resolve("captions.txt");
        Files.writeString(captions, "a red circle\n\na blue square\na green triangle\n");
        Result byImage = run("search", "--image", images.resolve("000001.png").toString(), "--box", "10,10,40,40",
                "--captions", captions.toString(), "--model", model.toString(), "--top", "5");
        assertEquals(0, byImage.status(), byImage.err());
        assertEquals(5, byImage.out().strip().lines().count(), byImage.out()); // title, header, all 3 captions

        Result noIndex = run("search", "--index", "exact", "--text", "a small red circle", "--store",
                store.toString(), "--model", model.toString());
        assertEquals(2, noIndex.status());
        assertTrue(noIndex.err().contains("has no index (build it with qpert index"), noIndex.err());
        Result indexed = run("index", store.toString());
        assertEquals(0, indexed.status(), indexed.err());
        assertTrue(indexed.out().contains("indexed 4 images in " + store.resolve("lucene")
                + " (plain and perturbed vectors)"), indexed.out());
        for (boolean perturbed : new boolean[] {true, false}) {
            Result memory = search(store, perturbed, "none");
            assertEquals(0, memory.status(), memory.err());
            for (String mode : new String[] {"exact", "hnsw", "auto"}) {
                assertEquals(memory.out(), search(store, perturbed, mode).out(), "--index " + mode + " " + perturbed);
            }
        }
        // --candidates widens the HNSW walk (4 images: every candidate count finds them all) and needs --index hnsw.
        Result wide = run("search", "--index", "hnsw", "--candidates", "8", "--text", "a small red circle", "--store",
                store.toString(), "--model", model.toString(), "--top", "4", "--itm-k", "2");
        assertEquals(search(store, true, "none").out(), wide.out(), wide.err());
        Result notHnsw = run("search", "--index", "exact", "--candidates", "8", "--text", "a small red circle",
                "--store", store.toString(), "--model", model.toString());
        assertEquals(2, notHnsw.status());
        assertTrue(notHnsw.err().contains("--candidates needs --index hnsw"), notHnsw.err());

        // embed --index keeps the index as it goes: the same search results as in memory, no qpert index needed.
        Path fresh = work.resolve("store-indexed");
        Result embedded = run("embed", "--images", images.toString(), "--boxes", data.resolve("boxes.json").toString(),
                "--model", model.toString(), "--store", fresh.toString(), "--batch", "3", "--index");
        assertEquals(0, embedded.status(), embedded.err());
        assertTrue(embedded.out().contains("index " + fresh.resolve("lucene") + ": 4 images"), embedded.out());
        Result memory = search(fresh, true, "none");
        assertEquals(0, memory.status(), memory.err());
        assertEquals(memory.out(), search(fresh, true, "exact").out());
        assertEquals(2, run("embed", "--images", images.toString(), "--model", model.toString(), "--store",
                fresh.toString(), "--int8").status(), "--int8 without --index is a usage error");

        // --store-z none: a store without Z searches by ITC alone by default and says why it cannot re-rank.
        Path noZ = work.resolve("store-noz");
        Result small = run("embed", "--images", images.toString(), "--model", model.toString(), "--store",
                noZ.toString(), "--store-z", "none");
        assertEquals(0, small.status(), small.err());
        Result itcOnly = run("search", "--text", "a small red circle", "--store", noZ.toString(), "--model",
                model.toString());
        assertEquals(0, itcOnly.status(), itcOnly.err());
        assertTrue(itcOnly.out().contains("rank    ITC  result"), itcOnly.out());
        Result refused = run("search", "--text", "a small red circle", "--store", noZ.toString(), "--model",
                model.toString(), "--itm-k", "3");
        assertEquals(2, refused.status());
        assertTrue(refused.err().contains("keeps no ViT output Z (made with --store-z none)"), refused.err());
    }

    /** A corrupt image with --on-error skip, a boxes file for other images: the run goes on and says so. */
    @Test
    void badImagesAreSkippedAndForeignBoxesWarned() throws Exception {
        Path data = work.resolve("skip-data");
        SyntheticDataset.write(data, SyntheticDataset.Layout.FLICKR30K, 3, 0, 1);
        Path images = data.resolve(SyntheticDataset.Layout.FLICKR30K.imageDir);
        Files.writeString(images.resolve("broken.png"), "not a png");
        Path foreign = work.resolve("foreign-boxes.json");
        Files.writeString(foreign, "{\"images\": {\"other.jpg\": {\"width\": 10, \"height\": 10, \"boxes\": "
                + "[{\"box\": [1, 1, 5, 5]}]}}}");
        Path store = work.resolve("skip-store");
        Result stop = run("embed", "--images", images.toString(), "--model", model.toString(), "--store",
                store.toString());
        assertEquals(2, stop.status(), "the default stops at the broken image");
        assertTrue(stop.err().contains("broken.png"), stop.err());
        Result skip = run("embed", "--images", images.toString(), "--model", model.toString(), "--store",
                store.toString(), "--on-error", "skip", "--boxes", foreign.toString());
        assertEquals(0, skip.status(), skip.err());
        assertTrue(skip.out().contains("3 images (3 embedded now, 0 already there)"), skip.out());
        assertTrue(skip.out().contains("boxes: 0 from annotations, 0 from the detector, 3 none"), skip.out());
        assertTrue(skip.out().contains("failed: broken.png: "), skip.out());
        assertTrue(skip.out().contains("warning: boxes file " + foreign + ": 1 entry match no image (e.g. "
                + "'other.jpg'); no image got boxes, so Q-Perturbation changes nothing"), skip.out());
        Result verified = run("store", "verify", store.toString());
        assertTrue(verified.out().contains("failed image: broken.png: "), verified.out());
    }

    @Test
    void errorsAreOneClearLine() throws Exception {
        Result noSplit = run("eval", "--dataset", "flickr30k", "--root", work.toString(), "--model",
                model.toString());
        assertEquals(2, noSplit.status());
        assertTrue(noSplit.err().startsWith("qpert eval: no flickr30k test split under"), noSplit.err());
        Path data = work.resolve("errors-data");
        SyntheticDataset.write(data, SyntheticDataset.Layout.COCO, 2, 0, 1);
        Result noModel = run("eval", "--dataset", "coco", "--root", data.toString(), "--model",
                work.resolve("nope").toString());
        assertEquals(2, noModel.status());
        assertTrue(noModel.err().startsWith("qpert eval: --model " + work.resolve("nope") + " is neither a folder nor a Hub id"),
                noModel.err());
        assertEquals(1, noModel.err().strip().lines().count());
        Result badDataset = run("eval", "--dataset", "imagenet", "--root", work.toString(), "--model",
                model.toString());
        assertEquals("qpert eval: unknown dataset 'imagenet' (use flickr30k, coco, flickr30k-fg or coco-fg)", badDataset.err().strip());
        Result badTau = run("demo", "--tau", "1.5");
        assertEquals(2, badTau.status());
        assertEquals("qpert demo: perturbation tau must be in (0, 1) or an integer >= 1, got 1.5",
                badTau.err().strip());
        Result textWithoutStore = run("search", "--text", "x", "--model", model.toString());
        assertEquals("qpert search: --text needs --store DIR (made by qpert embed)", textWithoutStore.err().strip());
    }

    @Test
    void demoRunsAndSaysTheModelIsRandom() {
        Result r = run("demo", "--images", "4", "--itm-k", "8");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("RANDOM weights"), r.out());
        assertTrue(r.out().contains("Salesforce/blip2-itm-vit-g"), r.out());
        assertTrue(r.out().contains("## BLIP-2 + Q-Perturbation"), r.out());
        assertTrue(r.out().contains("| all | 4 / 20 |"), r.out());
        assertTrue(r.out().contains("5. Boxes from a detector instead of the annotations (--detector DIR --detect all)"),
                r.out());
        assertTrue(r.out().contains("- detector_fingerprint: "), r.out());
        assertTrue(r.out().contains("6. The same gallery on the bundled tiny CoCa"), r.out());
        assertTrue(r.out().contains("## CoCa + Q-Perturbation"), r.out());

        Path kept = work.resolve("demo-kept");
        Result withModel = run("demo", "--model", model.toString(), "--images", "3", "--itm-k", "4", "--keep",
                kept.toString());
        assertEquals(0, withModel.status(), withModel.err());
        assertTrue(withModel.out().startsWith("qpert demo: model " + model), withModel.out());
        assertTrue(!withModel.out().contains("BLIP-2 (56 px images, 8 queries, vocabulary of 100) with RANDOM"),
                "no random-model warning for a given model");
        assertTrue(withModel.out().contains("the bundled tiny OWLv2 (96 px, 36 patches) with RANDOM weights"),
                "the bundled detector is still random: " + withModel.out());
        assertTrue(Files.isRegularFile(kept.resolve("report.json")) && Files.isDirectory(kept.resolve("store")));
    }

    @Test
    void everyOptionHasHelpText() {
        CommandLine cl = Main.commandLine();
        for (String name : List.of("embed", "search", "eval", "demo")) {
            cl.getSubcommands().get(name).getCommandSpec().options().forEach(o -> assertTrue(
                    o.description().length > 0 && !o.description()[0].isBlank(), name + " " + o.longestName()));
        }
    }
}
