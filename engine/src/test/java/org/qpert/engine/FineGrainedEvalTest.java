package org.qpert.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.core.qpert.Box;
import org.qpert.core.retrieval.RankMetrics;
import org.qpert.loaders.store.EmbeddingStore;

/**
 * The mini Flickr30K-FG of testdata/fg-mini (3 originals with Entities boxes, 4 distractors, interleaved in the pool
 * list) evaluated by {@link Evaluator} gives the numbers of the protocol computed here from the fake model's scores
 * alone: text-to-image over the 7 images, image-to-text from the 3 originals, ground truth by image id; distractors
 * unboxed, boxed by a boxes file or by the detector.
 */
class FineGrainedEvalTest {
    private static final double TOL = 1e-9;
    private static final Path MINI = Path.of("../testdata/fg-mini");
    private static final List<String> ORIGINALS = List.of("101.jpg", "102.jpg", "103.jpg");
    private static final List<String> DISTRACTORS = List.of("000000000011.jpg", "000000000012.jpg", "000000000013.jpg",
            "000000000014.jpg");

    @TempDir
    Path dir;

    /** A copy of the mini dataset with its images drawn where the layout looks for them. */
    static Path miniDataset(Path target) throws IOException {
        try (Stream<Path> files = Files.walk(MINI)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Path to = target.resolve(MINI.relativize(f).toString());
                Files.createDirectories(to.getParent());
                Files.copy(f, to);
            }
        }
        for (String name : ORIGINALS) {
            draw(target.resolve("flickr30k-images").resolve(name));
        }
        for (String name : DISTRACTORS) {
            draw(target.resolve("unlabeled2017").resolve(name));
        }
        return target;
    }

    static void draw(Path file) throws IOException {
        BufferedImage image = new BufferedImage(100, 100, BufferedImage.TYPE_INT_RGB);
        int seed = file.getFileName().toString().hashCode();
        for (int y = 0; y < 100; y++) {
            for (int x = 0; x < 100; x++) {
                image.setRGB(x, y, seed * (x + 1) ^ y * 7919);
            }
        }
        Files.createDirectories(file.getParent());
        ImageIO.write(image, "jpg", file.toFile());
    }

    /** The captions by original, read here from the annotation file (the ground truth: captions → image id). */
    static Map<String, List<String>> captionsById() throws IOException {
        JsonObject ann = JsonParser.parseString(Files.readString(MINI.resolve("Annotations/Flickr30K_FG_ann.json")))
                .getAsJsonObject();
        Map<String, List<String>> out = new LinkedHashMap<>();
        ann.entrySet().forEach(e -> out.put(e.getKey() + ".jpg",
                e.getValue().getAsJsonArray().asList().stream().map(c -> c.getAsString()).toList()));
        return out;
    }

    /** The Entities boxes of the originals (testdata/fg-mini/flickr30k_entities, 1-based pixels shifted by -1). */
    static Map<String, List<Box>> entitiesBoxes() {
        Map<String, List<Box>> boxes = new HashMap<>();
        boxes.put("101.jpg", List.of(new Box(40, 40, 49, 49)));
        boxes.put("102.jpg", List.of(new Box(0, 0, 59, 59), new Box(60, 60, 69, 69)));
        boxes.put("103.jpg", List.of(new Box(0, 0, 49, 49)));
        return boxes;
    }

    /** R@1, R@5, mean rank of both directions: what the report must say. */
    record Expected(double t2iR1, double t2iR5, double t2iMeanRank, double i2tR1, double i2tR5, double i2tMeanRank,
                    int captionsBehindADistractor) {
    }

    /**
     * The protocol on the fake's scores: ITC = max over the two query rows of the dot product with the caption; with
     * k > 0, ITC + ITM inside each query's ITC top-k, -100 + ITC outside. A rank is 1 + the items scoring higher (the
     * fake's scores do not tie).
     */
    static Expected reference(Map<String, List<String>> captions, List<String> pool, Map<String, List<Box>> boxes,
                              boolean perturbed, int k) {
        List<String> texts = new ArrayList<>();
        List<String> owner = new ArrayList<>();
        captions.forEach((image, list) -> list.forEach(c -> {
            texts.add(c);
            owner.add(image);
        }));
        double[][] itc = new double[pool.size()][texts.size()];
        for (int i = 0; i < pool.size(); i++) {
            List<Box> b = boxes.getOrDefault(pool.get(i), List.of());
            float[] f = PoolFakeEngine.features(pool.get(i), b, perturbed);
            for (int t = 0; t < texts.size(); t++) {
                float[] tf = PoolFakeEngine.textFeature(texts.get(t));
                double best = Double.NEGATIVE_INFINITY;
                for (int q = 0; q < PoolFakeEngine.QUERIES; q++) {
                    double dot = 0;
                    for (int j = 0; j < PoolFakeEngine.WIDTH; j++) {
                        dot += f[q * PoolFakeEngine.WIDTH + j] * tf[j];
                    }
                    best = Math.max(best, dot);
                }
                itc[i][t] = best;
            }
        }
        double[][] t2i = new double[texts.size()][pool.size()];
        for (int t = 0; t < texts.size(); t++) {
            double[] column = new double[pool.size()];
            for (int i = 0; i < pool.size(); i++) {
                column[i] = itc[i][t];
            }
            for (int i = 0; i < pool.size(); i++) {
                t2i[t][i] = rerank(column, i, k, pool.get(i), boxes, perturbed, texts.get(t));
            }
        }
        List<String> originals = new ArrayList<>(captions.keySet());
        double[][] i2t = new double[originals.size()][texts.size()];
        for (int o = 0; o < originals.size(); o++) {
            double[] row = itc[pool.indexOf(originals.get(o))];
            for (int t = 0; t < texts.size(); t++) {
                i2t[o][t] = rerank(row, t, k, originals.get(o), boxes, perturbed, texts.get(t));
            }
        }
        int[] t2iRanks = new int[texts.size()];
        int behind = 0;
        for (int t = 0; t < texts.size(); t++) {
            double own = t2i[t][pool.indexOf(owner.get(t))];
            boolean distractorAhead = false;
            for (int i = 0; i < pool.size(); i++) {
                if (t2i[t][i] > own) {
                    t2iRanks[t]++;
                    distractorAhead |= !captions.containsKey(pool.get(i));
                }
            }
            t2iRanks[t]++;
            behind += distractorAhead ? 1 : 0;
        }
        int[] i2tRanks = new int[originals.size()];
        for (int o = 0; o < originals.size(); o++) {
            int best = Integer.MAX_VALUE;
            for (int t = 0; t < texts.size(); t++) {
                if (owner.get(t).equals(originals.get(o))) {
                    int rank = 1;
                    for (int u = 0; u < texts.size(); u++) {
                        rank += i2t[o][u] > i2t[o][t] ? 1 : 0;
                    }
                    best = Math.min(best, rank);
                }
            }
            i2tRanks[o] = best;
        }
        return new Expected(recall(t2iRanks, 1), recall(t2iRanks, 5), mean(t2iRanks), recall(i2tRanks, 1),
                recall(i2tRanks, 5), mean(i2tRanks), behind);
    }

    /** Score {@code at} of a query's ITC row after re-ranking its top k. */
    private static double rerank(double[] itcRow, int at, int k, String image, Map<String, List<Box>> boxes,
                                 boolean perturbed, String text) {
        int higher = 0;
        for (double v : itcRow) {
            higher += v > itcRow[at] ? 1 : 0;
        }
        boolean inTopK = higher < k;
        return inTopK ? itcRow[at] + PoolFakeEngine.itmLogit(image, boxes.getOrDefault(image, List.of()), perturbed,
                text) : (k == 0 ? 0 : -100) + itcRow[at];
    }

    private static double recall(int[] ranks, int k) {
        return 100.0 * Arrays.stream(ranks).filter(r -> r <= k).count() / ranks.length;
    }

    private static double mean(int[] ranks) {
        return Arrays.stream(ranks).average().orElseThrow();
    }

    static void assertMatches(Expected e, RankMetrics t2i, RankMetrics i2t, String what) {
        assertEquals(6, t2i.queries(), what + ": every caption is a text-to-image query");
        assertEquals(3, i2t.queries(), what + ": only the originals are image-to-text queries");
        assertEquals(e.t2iR1(), t2i.r1(), TOL, what + " T2I R@1");
        assertEquals(e.t2iR5(), t2i.r5(), TOL, what + " T2I R@5");
        assertEquals(e.t2iMeanRank(), t2i.meanRank(), TOL, what + " T2I mean rank");
        assertEquals(e.i2tR1(), i2t.r1(), TOL, what + " I2T R@1");
        assertEquals(e.i2tR5(), i2t.r5(), TOL, what + " I2T R@5");
        assertEquals(e.i2tMeanRank(), i2t.meanRank(), TOL, what + " I2T mean rank");
    }

    /** Evaluates at k = 0 (ITC) and k = 2 (ITM re-ranking) and checks both conditions against the reference. */
    private EvalReport evaluateAndCheck(PoolFakeEngine engine, Gallery gallery, Path store,
                                        Map<String, List<Box>> boxes) throws IOException {
        List<String> pool = gallery.images().stream().map(GalleryImage::id).toList();
        EvalReport report = null;
        int behind = 0;
        for (int k : new int[] {0, 2}) {
            report = Evaluator.evaluate(engine, gallery, store, k, 3, "mini FG");
            assertEquals(2, report.conditions().size());
            for (Evaluator.Condition c : report.conditions()) {
                Expected e = reference(captionsById(), pool, boxes, c.perturbed(), k);
                String what = "k=" + k + (c.perturbed() ? " perturbed" : " plain");
                assertMatches(e, c.reranked().all().textToImage(), c.reranked().all().imageToText(), what);
                behind += e.captionsBehindADistractor();
            }
        }
        assertTrue(behind > 0, "some distractor outranks a caption's image: the pool is really searched");
        return report;
    }

    @Test
    void distractorsWithoutBoxesAreSearchedButNeverAnswers() throws IOException {
        Path root = miniDataset(dir.resolve("fg"));
        Gallery gallery = DatasetLayout.FLICKR30K_FG.load(root, null, 0);
        assertEquals(Stream.concat(ORIGINALS.stream(), DISTRACTORS.stream()).toList(),
                gallery.images().stream().map(GalleryImage::id).toList(), "originals first, distractors in list order");
        assertEquals(3, gallery.captionedImages());
        assertEquals(List.of(0, 0, 1, 1, 2, 2), Arrays.stream(gallery.captionImage()).boxed().toList());
        assertEquals(root.resolve("unlabeled2017/000000000013.jpg"), gallery.images().get(5).file());
        EvalReport report = evaluateAndCheck(new PoolFakeEngine(null), gallery, dir.resolve("store"),
                entitiesBoxes());

        assertEquals(Map.of(DatasetLayout.ENTITIES, 3, Gallery.NO_BOXES, 4), report.boxSources());
        assertEquals(7, report.images());
        assertEquals(4, report.distractors());
        // the small subset and bins come from the originals' Entities boxes: 101 small, 102 in bin 3, 103 in bin 2
        Evaluator.Condition c = report.conditions().get(1);
        assertEquals(1, c.reranked().small().imageToText().queries());
        assertEquals(2, c.reranked().small().textToImage().queries());
        assertEquals(1, c.reranked().bins().get(2).imageToText().queries());
        assertEquals(1, c.reranked().bins().get(3).imageToText().queries());
        String md = report.markdown();
        assertTrue(md.contains("7 images (3 with captions, the image-to-text queries, and 4 distractors), 6 captions"),
                md);
        assertTrue(md.contains("- images by box source: Flickr30K Entities 3, none 4"), md);
        Path json = dir.resolve("report.json");
        report.writeJson(json);
        JsonObject parsed = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        assertEquals(4, parsed.get("distractors").getAsInt());
        assertEquals(3, parsed.getAsJsonObject("box_sources").get("Flickr30K Entities").getAsInt());
        assertEquals(4, parsed.getAsJsonObject("box_sources").get("none").getAsInt());
    }

    @Test
    void aBoxesFileBoxesOnlyTheDistractors() throws IOException {
        Path root = miniDataset(dir.resolve("fg"));
        Path boxesFile = dir.resolve("distractor-boxes.json");
        // 101 is listed too: the originals keep their Entities boxes; 000000000014 is not listed: no boxes
        Files.writeString(boxesFile, """
                {"images": {
                  "000000000011.jpg": {"width": 100, "height": 100, "boxes": [{"box": [5, 5, 20, 30]}]},
                  "000000000012.jpg": {"width": 100, "height": 100, "boxes": [{"box": [50, 50, 90, 90]}]},
                  "000000000013.jpg": {"width": 100, "height": 100, "boxes": [{"box": [1, 2, 3, 4]}, {"box": [10, 10, 60, 60]}]},
                  "101.jpg": {"width": 100, "height": 100, "boxes": [{"box": [0, 0, 100, 100]}]}}}""");
        PoolFakeEngine engine = new PoolFakeEngine(null);
        Path plainStore = dir.resolve("plain"), boxedStore = dir.resolve("boxed");
        Evaluator.evaluate(engine, DatasetLayout.FLICKR30K_FG.load(root, null, 0), plainStore, 0, 4, "plain");

        Gallery gallery = DatasetLayout.FLICKR30K_FG.load(root, null, List.of(), boxesFile, 0);
        Map<String, List<Box>> boxes = entitiesBoxes();
        boxes.put("000000000011.jpg", List.of(new Box(5, 5, 20, 30)));
        boxes.put("000000000012.jpg", List.of(new Box(50, 50, 90, 90)));
        boxes.put("000000000013.jpg", List.of(new Box(1, 2, 3, 4), new Box(10, 10, 60, 60)));
        EvalReport report = evaluateAndCheck(engine, gallery, boxedStore, boxes);
        assertEquals(Map.of(DatasetLayout.ENTITIES, 3, Gallery.BOXES_FILE, 3, Gallery.NO_BOXES, 1),
                report.boxSources());

        try (EmbeddingStore plain = EmbeddingStore.openExisting(plainStore);
             EmbeddingStore boxed = EmbeddingStore.openExisting(boxedStore)) {
            for (String id : Stream.concat(ORIGINALS.stream(), DISTRACTORS.stream()).toList()) {
                assertArrayEquals(plain.read(id, StoredImage.ITC), boxed.read(id, StoredImage.ITC), id);
                boolean changed = !Arrays.equals(plain.read(id, StoredImage.ITC_QPERT),
                        boxed.read(id, StoredImage.ITC_QPERT));
                assertEquals(boxes.containsKey(id) && !ORIGINALS.contains(id), changed,
                        id + ": only the distractors the file boxes change their perturbed features");
                assertEquals(boxes.getOrDefault(id, List.of()), StoredImage.of(boxed, id).boxes(), id);
            }
        }
    }

    @Test
    void theDetectorBoxesTheDistractorsAndTheOriginalsKeepTheirEntities() throws IOException {
        Path root = miniDataset(dir.resolve("fg"));
        Map<String, List<Box>> boxes = entitiesBoxes();
        DISTRACTORS.forEach(d -> boxes.put(d, PoolFakeEngine.detectedBoxes(d)));
        Gallery gallery = DatasetLayout.FLICKR30K_FG.load(root, null, 0);
        EvalReport report = evaluateAndCheck(new PoolFakeEngine(DetectMode.MISSING), gallery, dir.resolve("store"),
                boxes);
        assertEquals(Map.of(DatasetLayout.ENTITIES, 3, Gallery.DETECTOR, 4), report.boxSources());
        // the detected distractors have object sizes now, but are no queries: the subsets are the originals'
        assertEquals(1, report.conditions().get(1).reranked().small().imageToText().queries());
    }

    @Test
    void everyMissingImageIsListedOnceWithThePlacesLooked() throws IOException {
        Path root = miniDataset(dir.resolve("fg"));
        Files.delete(root.resolve("flickr30k-images/102.jpg"));
        Files.delete(root.resolve("unlabeled2017/000000000011.jpg"));
        Files.delete(root.resolve("unlabeled2017/000000000014.jpg"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DatasetLayout.FLICKR30K_FG.load(root, null, 0));
        assertEquals("3 of 7 images not found (or give --images DIR, repeatable, searched in order):\n"
                + "- 1 originals of " + root.resolve("Annotations/Flickr30K_FG_ann.json") + ", looked for in "
                + root.resolve("flickr30k-images") + ", " + root.resolve("images/flickr30k-images") + ": 102.jpg\n"
                + "- 2 distractors listed in " + root.resolve("Images/Flickr30K_FG_img_filenames.npy")
                + ", looked for in " + root.resolve("unlabeled2017") + ", " + root.resolve("images/unlabeled2017")
                + ": 000000000011.jpg, 000000000014.jpg", e.getMessage());
    }

    @Test
    void imagesFoldersAreSearchedInOrder() throws IOException {
        Path root = miniDataset(dir.resolve("fg"));
        Path first = Files.createDirectories(dir.resolve("first")), second = dir.resolve("second");
        Files.move(root.resolve("unlabeled2017"), second);
        draw(first.resolve("000000000012.jpg"));
        Files.move(root.resolve("flickr30k-images/101.jpg"), first.resolve("101.jpg"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DatasetLayout.FLICKR30K_FG.load(root, null, List.of(first, second), null, 0));
        assertTrue(e.getMessage().startsWith("2 of 7 images not found in the --images folders:\n- 2 originals of "),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("looked for in " + first + ", " + second + ": 102.jpg, 103.jpg"),
                e.getMessage());
        Files.move(root.resolve("flickr30k-images"), Files.createDirectories(dir.resolve("third")).resolve("x"));
        Gallery g = DatasetLayout.FLICKR30K_FG.load(root, null, List.of(first, second, dir.resolve("third/x")),
                null, 0);
        assertEquals(first.resolve("101.jpg"), g.images().get(0).file());
        assertEquals(dir.resolve("third/x/102.jpg"), g.images().get(1).file());
        assertEquals(first.resolve("000000000012.jpg"), g.images().get(4).file(), "the first folder wins");
        assertEquals(second.resolve("000000000011.jpg"), g.images().get(3).file());
    }

    @Test
    void aLimitKeepsThePoolsProportions() throws IOException {
        Path root = miniDataset(dir.resolve("fg"));
        Gallery g = DatasetLayout.FLICKR30K_FG.load(root, null, 1);
        // 1 of 3 originals, and 4/3 distractors rounded up
        assertEquals(List.of("101.jpg", "000000000011.jpg", "000000000012.jpg"),
                g.images().stream().map(GalleryImage::id).toList());
        assertEquals(2, g.captions().size());
        assertThrows(IllegalArgumentException.class,
                () -> DatasetLayout.FLICKR30K_FG.load(root, root.resolve("x.json"), List.of(), null, 0));
    }

    @Test
    void cocoFgMatchesOriginalsByTheirCocoIdWhateverTheirFileName() throws IOException {
        Path root = dir.resolve("coco");
        Files.createDirectories(root.resolve("Annotations"));
        Files.createDirectories(root.resolve("Images"));
        Files.copy(MINI.resolve("coco/Annotations/MSCOCO_FG_ann.json"), root.resolve("Annotations/MSCOCO_FG_ann.json"));
        Files.copy(MINI.resolve("coco/Images/MSCOCO_FG_img_filenames.npy"),
                root.resolve("Images/MSCOCO_FG_img_filenames.npy"));
        draw(root.resolve("val2014/COCO_val2014_000000000101.jpg"));
        draw(root.resolve("images/val2014/COCO_val2014_000000000102.jpg"));
        draw(root.resolve("images/unlabeled2017/000000000011.jpg"));
        Gallery g = DatasetLayout.parse("coco-fg").load(root, null, 0);
        assertEquals(List.of("COCO_val2014_000000000101.jpg", "COCO_val2014_000000000102.jpg", "000000000011.jpg"),
                g.images().stream().map(GalleryImage::id).toList());
        assertEquals(1, g.distractors());
        assertFalse(g.images().get(2).annotated());
    }

    /** The Entities unpacked at the root: their Annotations/*.xml beside the FG captions file. */
    @Test
    void entitiesAtTheRootBesideTheCaptionsFile() throws IOException {
        Path root = miniDataset(dir.resolve("fg"));
        Path entities = root.resolve("flickr30k_entities");
        for (String id : List.of("101", "102", "103")) {
            Files.move(entities.resolve("Annotations/" + id + ".xml"), root.resolve("Annotations/" + id + ".xml"));
        }
        Files.move(entities.resolve("Sentences"), root.resolve("Sentences"));
        Files.delete(entities.resolve("Annotations"));
        Files.delete(entities);
        Gallery g = DatasetLayout.FLICKR30K_FG.load(root, null, 0);
        assertEquals(Map.of(DatasetLayout.ENTITIES, 3, Gallery.NO_BOXES, 4), g.boxSourceCounts(image -> false));
        assertEquals(entitiesBoxes().get("102.jpg"), g.images().get(1).boxes());
    }
}
