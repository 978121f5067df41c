package org.qpert.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.core.model.owlv2.Owlv2Output;
import org.qpert.core.qpert.Box;
import org.qpert.engine.DemoModel;
import org.qpert.loaders.image.Owlv2ImageProcessor;
import org.qpert.loaders.image.RgbImage;

/**
 * The detector facade on the tiny random OWLv2: the kept patches of tiny-owlv2/pipeline.json, text queries through
 * the CLIP tokenizer (labels and scores from the class logits), the box budget, and QPert's builder using it.
 */
class DetectorTest {
    static final Path FIXTURE = Path.of("../testdata/parity/tiny-owlv2");
    static final Path IMAGES = Path.of("../testdata/parity/inputs/images");

    @TempDir
    Path dir;

    @Test
    void keepsThePipelinePatches() throws Exception {
        JsonObject pipeline = JsonParser.parseString(Files.readString(FIXTURE.resolve("pipeline.json"),
                StandardCharsets.UTF_8)).getAsJsonObject();
        JsonObject c = pipeline.getAsJsonArray("cases").get(0).getAsJsonObject();
        assertEquals("gray_300x200.png", c.get("image").getAsString());
        DetectorSettings settings = new DetectorSettings(c.get("threshold").getAsDouble(),
                c.get("nms_iou").getAsDouble(), 0, 0, List.of());
        List<Integer> expected = new ArrayList<>();
        for (JsonElement d : c.getAsJsonArray("detections")) {
            expected.add(d.getAsJsonObject().get("patch").getAsInt());
        }
        try (Detector d = Detector.load(FIXTURE, settings)) {
            List<Detection> found = d.detect(IMAGES.resolve("gray_300x200.png"));
            // Patch 33's box lies below the 200-pixel image (y from 277): clipped to nothing, it is dropped.
            assertEquals(List.of(16, 18), found.stream().map(Detection::patch).toList());
            assertEquals(expected.subList(0, 2), found.stream().map(Detection::patch).toList());
            assertEquals(200, found.get(1).y1(), 0, "clipped to the image");
            assertEquals(1, Detector.load(FIXTURE, settings.withMaxBoxes(1)).detect(
                    IMAGES.resolve("gray_300x200.png")).size());
        }
    }

    @Test
    void textQueriesLabelBoxesWithTheBestQuery() throws Exception {
        Path model = DemoModel.extractDetector(dir.resolve("owl"));
        List<String> queries = List.of("a dog", "a red ball");
        DetectorSettings settings = new DetectorSettings(0, 1, 0, 0, queries);
        try (Detector d = Detector.load(model, settings)) {
            RgbImage image = d.decode(IMAGES.resolve("rgb_640x480.png"));
            List<Detection> found = d.detect(image);
            // Independently: embed the queries, run the model, σ(max logit) and the argmax query per patch.
            org.qpert.loaders.text.ClipTokenizer tok = org.qpert.loaders.text.ClipTokenizer.load(model);
            float[][] q = new float[2][];
            for (int i = 0; i < 2; i++) {
                var e = tok.encode(queries.get(i), 16);
                q[i] = d.model().embedQuery(e.ids(), e.attentionMask());
            }
            Owlv2Output out = d.model().predict(new Owlv2ImageProcessor(96).pixelValues(image), q);
            // Threshold 0 and NMS 1 keep every patch whose box, clipped to the 640 x 480 image, is not empty.
            int meeting = 0;
            for (int j = 0; j < 36; j++) {
                float[] b = out.boxes();
                double x0 = (b[4 * j] - b[4 * j + 2] / 2) * 640;
                double x1 = (b[4 * j] + b[4 * j + 2] / 2) * 640;
                double y0 = (b[4 * j + 1] - b[4 * j + 3] / 2) * 640;
                double y1 = (b[4 * j + 1] + b[4 * j + 3] / 2) * 640;
                meeting += Math.min(x1, 640) > Math.max(x0, 0) && Math.min(y1, 480) > Math.max(y0, 0) ? 1 : 0;
            }
            assertEquals(meeting, found.size());
            boolean bothLabels = false;
            for (Detection x : found) {
                int best = out.classLogits()[x.patch() * 2] >= out.classLogits()[x.patch() * 2 + 1] ? 0 : 1;
                assertEquals(queries.get(best), x.label(), "patch " + x.patch());
                assertEquals(1 / (1 + Math.exp(-out.maxClassLogit(x.patch()))), x.score(), 1e-6);
                bothLabels |= !x.label().equals(found.get(0).label());
            }
            assertTrue(bothLabels || found.size() < 3, "random queries split the patches");
            for (int i = 1; i < found.size(); i++) {
                assertTrue(found.get(i - 1).score() >= found.get(i).score(), "best first");
            }
        }
        DetectorSettings overlong = settings.withQueries(List.of("a ".repeat(15).strip()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Detector.load(model, overlong));
        assertTrue(e.getMessage().contains("17 tokens"), e.getMessage());
        IllegalArgumentException noVocab = assertThrows(IllegalArgumentException.class,
                () -> Detector.load(FIXTURE, settings));
        assertTrue(noVocab.getMessage().contains("no tokenizer.json or vocab.json"), noVocab.getMessage());
    }

    @Test
    void builderDetectsBoxesForImagesEmbeddedWithoutBoxes() throws Exception {
        Path blip2 = DemoModel.extract(dir.resolve("blip2"));
        Path owl = DemoModel.extractDetector(dir.resolve("owl"));
        Path file = IMAGES.resolve("rgb_500x375.png");
        try (QPert plain = QPert.builder().model(blip2).build();
             QPert detecting = QPert.builder().model(blip2).detector(owl)
                     .detectorSettings(DetectorSettings.defaults().withMaxBoxes(3)).build()) {
            assertFalse(plain.detector().isPresent());
            List<Box> boxes = detecting.detectBoxes(detecting.decode(file));
            assertTrue(!boxes.isEmpty() && boxes.size() <= 3, boxes.toString());
            ImageEmbedding auto = detecting.embedImage(file);
            assertEquals(boxes, auto.boxes());
            ImageEmbedding explicit = plain.embedImage(file, boxes);
            assertEquals(java.util.Arrays.toString(explicit.features()), java.util.Arrays.toString(auto.features()),
                    "detected boxes perturb exactly as the same boxes given by hand");
            assertEquals(List.of(), plain.embedImage(file).boxes());
        }
    }
}
