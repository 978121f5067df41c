package org.qpert.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.api.Detection;
import org.qpert.api.Detector;
import org.qpert.api.DetectorSettings;
import org.qpert.core.qpert.Box;
import org.qpert.engine.StoredImage;
import org.qpert.loaders.store.EmbeddingStore;
import org.qpert.loaders.synthetic.SyntheticDataset;

/**
 * A gallery without boxes gets them from the bundled tiny OWLv2 (random weights): it embeds, searches and evaluates
 * end to end with the tiny BLIP-2, the store holds exactly the detector's boxes and refuses other detector settings.
 */
class DetectedGalleryTest {
    @TempDir
    static Path work;
    static Path model;
    static Path detector;
    static Path data;
    static Path images;

    @BeforeAll
    static void setUp() throws Exception {
        model = org.qpert.engine.DemoModel.extract(work.resolve("model"));
        detector = org.qpert.engine.DemoModel.extractDetector(work.resolve("detector"));
        data = work.resolve("data");
        SyntheticDataset.write(data, SyntheticDataset.Layout.FLICKR30K, 4, 0, 11);
        images = data.resolve(SyntheticDataset.Layout.FLICKR30K.imageDir);
    }

    @Test
    void detectedGalleryEmbedsSearchesAndEvaluates() throws Exception {
        Path store = work.resolve("store");
        CliEndToEndTest.Result first = CliEndToEndTest.run("embed", "--images", images.toString(), "--model",
                model.toString(), "--detector", detector.toString(), "--store", store.toString(), "--batch", "2");
        assertEquals(0, first.status(), first.err());
        assertTrue(first.out().contains("4 images (4 embedded now, 0 already there)"), first.out());

        // No --boxes: every image is unannotated, so every image holds the detector's boxes, computed here directly.
        int boxes = 0;
        try (EmbeddingStore s = EmbeddingStore.openExisting(store);
             Detector d = Detector.load(detector, DetectorSettings.defaults())) {
            assertEquals(d.fingerprint(), s.spec().settings().get("detector_fingerprint"));
            assertEquals(DetectorSettings.defaults().describe(), s.spec().settings().get("detector_settings"));
            assertEquals("missing", s.spec().settings().get("detect"));
            for (String id : s.ids()) {
                StoredImage stored = StoredImage.of(s, id);
                assertTrue(stored.annotated(), id + " counts as annotated by the detector");
                List<Detection> direct = d.detect(images.resolve(id));
                assertEquals(direct.stream().map(x -> new Box(x.x0(), x.y0(), x.x1(), x.y1())).toList(),
                        stored.boxes(), id);
                boxes += stored.boxes().size();
            }
        }
        assertTrue(boxes > 0, "the random detector finds something at the default threshold");

        CliEndToEndTest.Result again = CliEndToEndTest.run("embed", "--images", images.toString(), "--model",
                model.toString(), "--detector", detector.toString(), "--store", store.toString());
        assertEquals(0, again.status(), again.err());
        assertTrue(again.out().contains("4 images (0 embedded now, 4 already there)"), again.out());

        CliEndToEndTest.Result otherThreshold = CliEndToEndTest.run("embed", "--images", images.toString(),
                "--model", model.toString(), "--detector", detector.toString(), "--threshold", "0.3", "--store",
                store.toString());
        assertEquals(2, otherThreshold.status());
        assertEquals(1, otherThreshold.err().strip().lines().count(), otherThreshold.err());
        assertTrue(otherThreshold.err().contains("other settings") && otherThreshold.err().contains("threshold=0.3"),
                otherThreshold.err());
        CliEndToEndTest.Result noDetector = CliEndToEndTest.run("search", "--text", "a red circle", "--store",
                store.toString(), "--model", model.toString());
        assertEquals(2, noDetector.status());
        assertTrue(noDetector.err().contains("other settings") && noDetector.err().contains("detector"),
                noDetector.err());

        CliEndToEndTest.Result search = CliEndToEndTest.run("search", "--text", "a red circle", "--store",
                store.toString(), "--model", model.toString(), "--detector", detector.toString(), "--top", "2");
        assertEquals(0, search.status(), search.err());
        assertEquals(4, search.out().strip().lines().count(), search.out());

        Path captions = work.resolve("captions.txt");
        Files.writeString(captions, "a red circle\na blue square\n");
        CliEndToEndTest.Result byImage = CliEndToEndTest.run("search", "--image", images.resolve("000001.png")
                .toString(), "--captions", captions.toString(), "--model", model.toString(), "--detector",
                detector.toString());
        assertEquals(0, byImage.status(), byImage.err());
        assertEquals(4, byImage.out().strip().lines().count(), byImage.out());

        Path report = work.resolve("report.json");
        CliEndToEndTest.Result eval = CliEndToEndTest.run("eval", "--dataset", "flickr30k", "--root",
                data.toString(), "--model", model.toString(), "--detector", detector.toString(), "--detect", "all",
                "--max-boxes", "3", "--store", work.resolve("eval-store").toString(), "--report", report.toString(),
                "--itm-k", "4");
        assertEquals(0, eval.status(), eval.err());
        assertTrue(eval.out().contains("- detect: all"), eval.out());
        assertTrue(eval.out().contains("max_boxes=3"), eval.out());
        assertTrue(eval.out().contains("## BLIP-2 + Q-Perturbation"), eval.out());
        try (EmbeddingStore s = EmbeddingStore.openExisting(work.resolve("eval-store"))) {
            for (String id : s.ids()) {
                assertTrue(StoredImage.of(s, id).boxes().size() <= 3, id);
            }
        }
    }

    @Test
    void detectorFlagsNeedADetector() {
        CliEndToEndTest.Result r = CliEndToEndTest.run("embed", "--images", images.toString(), "--model",
                model.toString(), "--threshold", "0.2", "--store", work.resolve("x").toString());
        assertEquals(2, r.status());
        CliTestSupport.assertOneLine(new CliTestSupport.Result(r.status(), r.err()), "qpert embed: ", "--detector DIR");
        CliEndToEndTest.Result badMode = CliEndToEndTest.run("embed", "--images", images.toString(), "--model",
                model.toString(), "--detector", detector.toString(), "--detect", "some", "--store",
                work.resolve("y").toString());
        assertEquals(2, badMode.status());
        assertTrue(badMode.err().contains("--detect must be 'missing' or 'all'"), badMode.err());
        assertFalse(Files.exists(work.resolve("y")), "nothing created on a flag error");
    }
}
