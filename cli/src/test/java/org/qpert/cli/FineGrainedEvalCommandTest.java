package org.qpert.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.core.qpert.Box;
import org.qpert.engine.StoredImage;
import org.qpert.loaders.store.EmbeddingStore;

/**
 * {@code qpert eval --dataset flickr30k-fg} on the mini FG of testdata/fg-mini with the bundled tiny BLIP-2 (and tiny
 * OWLv2): the report counts images by box source, distractors unboxed, detected or boxed by a file, and the store
 * shows the originals keep their Entities boxes. The numbers themselves are checked against the protocol computed
 * independently in the engine's FineGrainedEvalTest.
 */
class FineGrainedEvalCommandTest {
    private static final Path MINI = Path.of("../testdata/fg-mini");
    private static final List<String> DISTRACTORS = List.of("000000000011.jpg", "000000000012.jpg",
            "000000000013.jpg", "000000000014.jpg");

    @TempDir
    static Path work;
    static Path model;
    static Path root;

    @BeforeAll
    static void setUp() throws IOException {
        model = org.qpert.engine.DemoModel.extract(work.resolve("model"));
        root = work.resolve("fg");
        try (Stream<Path> files = Files.walk(MINI)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Path to = root.resolve(MINI.relativize(f).toString());
                Files.createDirectories(to.getParent());
                Files.copy(f, to);
            }
        }
        for (String name : List.of("101.jpg", "102.jpg", "103.jpg")) {
            draw(root.resolve("flickr30k-images").resolve(name));
        }
        for (String name : DISTRACTORS) {
            draw(root.resolve("images/unlabeled2017").resolve(name));
        }
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

    /** Runs eval and returns its JSON report. */
    static JsonObject eval(String name, String... extra) throws IOException {
        Path report = work.resolve(name + ".json");
        List<String> args = new java.util.ArrayList<>(List.of("eval", "--dataset", "flickr30k-fg", "--root",
                root.toString(), "--model", model.toString(), "--itm-k", "4", "--store",
                work.resolve(name).toString(), "--report", report.toString()));
        args.addAll(List.of(extra));
        CliEndToEndTest.Result r = CliEndToEndTest.run(args.toArray(String[]::new));
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("7 images (3 with captions, the image-to-text queries, and 4 distractors), "
                + "6 captions; ITC + ITM re-ranking of the top 4"), r.out());
        JsonObject json = JsonParser.parseString(Files.readString(report)).getAsJsonObject();
        assertEquals(7, json.get("images").getAsInt());
        assertEquals(4, json.get("distractors").getAsInt());
        JsonObject all = json.getAsJsonArray("conditions").get(1).getAsJsonObject().getAsJsonObject("reranked")
                .getAsJsonObject("all");
        assertEquals(6, all.getAsJsonObject("text_to_image").get("queries").getAsInt());
        assertEquals(3, all.getAsJsonObject("image_to_text").get("queries").getAsInt());
        return json;
    }

    static Map<String, Integer> boxSources(JsonObject report) {
        Map<String, Integer> out = new TreeMap<>();
        report.getAsJsonObject("box_sources").entrySet().forEach(e -> out.put(e.getKey(), e.getValue().getAsInt()));
        return out;
    }

    @Test
    void distractorsAreUnboxedByDefault() throws IOException {
        assertEquals(Map.of("Flickr30K Entities", 3, "none", 4), boxSources(eval("plain")));
    }

    @Test
    void theDetectorBoxesOnlyTheDistractors() throws IOException {
        Path detector = org.qpert.engine.DemoModel.extractDetector(work.resolve("detector"));
        JsonObject report = eval("detected", "--detector", detector.toString(), "--detect", "missing");
        assertEquals(Map.of("Flickr30K Entities", 3, "detector", 4), boxSources(report));
        try (EmbeddingStore s = EmbeddingStore.openExisting(work.resolve("detected"))) {
            assertEquals(List.of(new Box(40, 40, 49, 49)), StoredImage.of(s, "101.jpg").boxes(), "Entities kept");
            for (String d : DISTRACTORS) {
                assertTrue(StoredImage.of(s, d).annotated(), d + " has the detector's verdict");
            }
        }
    }

    @Test
    void aBoxesFileBoxesTheImagesTheDatasetDoesNotAnnotate() throws IOException {
        Path boxes = Files.writeString(work.resolve("boxes.json"), """
                {"images": {"000000000011.jpg": {"width": 100, "height": 100, "boxes": [{"box": [5, 5, 20, 30]}]},
                            "000000000013.jpg": {"width": 100, "height": 100, "boxes": []},
                            "102.jpg": {"width": 100, "height": 100, "boxes": [{"box": [0, 0, 100, 100]}]}}}""");
        JsonObject report = eval("given", "--boxes", boxes.toString());
        assertEquals(Map.of("Flickr30K Entities", 3, "boxes file", 2, "none", 2), boxSources(report));
        try (EmbeddingStore s = EmbeddingStore.openExisting(work.resolve("given"))) {
            assertEquals(2, StoredImage.of(s, "102.jpg").boxes().size(), "102 keeps its two Entities boxes");
            assertEquals(List.of(new Box(5, 5, 20, 30)), StoredImage.of(s, "000000000011.jpg").boxes());
        }
    }

    @Test
    void helpSaysWhatTheBoxesFileDoesOnFg() {
        CliEndToEndTest.Result r = CliEndToEndTest.run("eval", "--help");
        String help = r.out().replaceAll("\\s+", " ");
        assertTrue(help.contains("On the FG datasets it boxes the images the dataset does not annotate (the "
                + "distractors) while the originals keep their Flickr30K Entities / COCO boxes, as --detect missing "
                + "does"), help);
        assertTrue(help.contains("flickr30k, coco, flickr30k-fg or coco-fg"), help);
    }
}
