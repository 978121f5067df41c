package org.qpert.loaders.synthetic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.loaders.dataset.BoxAnnotations;
import org.qpert.loaders.dataset.BoxPolicy;
import org.qpert.loaders.dataset.KarpathySplit;
import org.qpert.loaders.dataset.QpertBoxes;
import org.qpert.loaders.dataset.RetrievalSplit;

class SyntheticDatasetTest {

    @Test
    void scenesAreDeterministicAndCoverSmallAndLargeObjects() {
        List<SyntheticScene> a = SceneGenerator.scenes(12, 42), b = SceneGenerator.scenes(12, 42);
        assertEquals(a, b);
        assertTrue(a.stream().anyMatch(s -> s.objectSize() < 0.1), "some scene is small");
        assertTrue(a.stream().anyMatch(s -> s.objectSize() >= 0.2), "some scene is large");
        for (SyntheticScene s : a) {
            assertEquals(5, s.captions().size());
            for (SceneObject o : s.objects()) {
                assertTrue(o.x0() >= 0 && o.y0() >= 0 && o.x1() <= s.width() && o.y1() <= s.height(),
                        "box inside the image: " + o);
                assertTrue(!o.small() || o.relativeArea(s.width(), s.height()) < 0.1, "small means < 10%: " + o);
            }
        }
    }

    @Test
    void everyCaptionWordIsInTheWordList() {
        Set<String> words = new HashSet<>(SceneGenerator.WORDS);
        for (SyntheticScene s : SceneGenerator.scenes(50, 3)) {
            for (String c : s.captions()) {
                for (String w : c.toLowerCase(Locale.ROOT).replace(".", " ").trim().split("\\s+")) {
                    assertTrue(words.contains(w), "'" + w + "' of '" + c + "' is in WORDS");
                }
            }
        }
    }

    @Test
    void drawsTheObjectColourInsideItsBox() {
        SyntheticScene s = SceneGenerator.scenes(1, 5).get(0);
        BufferedImage img = SceneRenderer.render(s);
        SceneObject last = s.objects().get(s.objects().size() - 1); // drawn last, so never covered
        int cx = (last.x0() + last.x1()) / 2, cy = last.y0() + (last.y1() - last.y0()) * 2 / 3;
        int rgb = img.getRGB(cx, cy) & 0xFFFFFF;
        int expected = (last.colour().r << 16) | (last.colour().g << 8) | last.colour().b;
        assertEquals(expected, rgb, "pixel at the lower middle of " + last);
    }

    @Test
    void writesKarpathyAndBoxesFilesInBothLayouts(@TempDir Path dir) throws Exception {
        for (SyntheticDataset.Layout layout : SyntheticDataset.Layout.values()) {
            Path root = dir.resolve(layout.name());
            List<SyntheticScene> test = SyntheticDataset.write(root, layout, 4, 2, 9);
            assertEquals(4, test.size());
            JsonObject split = JsonParser.parseString(Files.readString(root.resolve(layout.splitFile)))
                    .getAsJsonObject();
            var images = split.getAsJsonArray("images");
            assertEquals(6, images.size());
            long tests = images.asList().stream()
                    .filter(e -> e.getAsJsonObject().get("split").getAsString().equals("test")).count();
            assertEquals(4, tests);
            JsonObject first = images.get(0).getAsJsonObject();
            Path img = root.resolve(layout.imageDir).resolve(first.get("filename").getAsString());
            BufferedImage decoded = ImageIO.read(img.toFile());
            assertEquals(test.get(0).width(), decoded.getWidth());
            assertEquals(5, first.getAsJsonArray("sentences").size());
            assertEquals(layout == SyntheticDataset.Layout.COCO, first.has("cocoid"));
            BoxAnnotations boxes = QpertBoxes.read(root.resolve(SyntheticDataset.BOXES_FILE), BoxPolicy.STRICT);
            assertEquals(6, boxes.size());
            assertEquals(test.get(0).objects().size(), boxes.find(test.get(0).filename()).orElseThrow().boxes().size());
            RetrievalSplit parsed = KarpathySplit.read(root.resolve(layout.splitFile));
            assertEquals(4, parsed.images().size());
            assertEquals(20, parsed.texts().size());
            parsed.checkImagesExist(layout == SyntheticDataset.Layout.COCO ? root : root.resolve(layout.imageDir));
        }
    }
}
