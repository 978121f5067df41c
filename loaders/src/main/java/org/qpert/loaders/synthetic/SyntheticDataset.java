package org.qpert.loaders.synthetic;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.qpert.loaders.dataset.ImageBoxes;
import org.qpert.loaders.dataset.LabeledBox;
import org.qpert.loaders.dataset.QpertBoxes;

/**
 * Writes generated scenes as a dataset on disk in the layout of Flickr30K or MSCOCO with Karpathy split files, plus the
 * scenes' boxes in the plain qpert boxes JSON. Used by the end-to-end tests and by {@code qpert demo}.
 *
 * <ul>
 *   <li>Flickr30K: {@code dataset_flickr30k.json}, images in {@code flickr30k-images/}.</li>
 *   <li>COCO: {@code dataset_coco.json}, images in {@code val2014/} (the entries' {@code filepath}), with
 *   {@code cocoid}.</li>
 *   <li>Boxes: {@code boxes.json} in the plain qpert format ({@link QpertBoxes}).</li>
 * </ul>
 */
public final class SyntheticDataset {
    /** The boxes file written next to the split file. */
    public static final String BOXES_FILE = "boxes.json";

    public enum Layout {
        FLICKR30K("dataset_flickr30k.json", "flickr30k-images", "flickr30k"),
        COCO("dataset_coco.json", "val2014", "coco");

        public final String splitFile;
        public final String imageDir;
        public final String datasetName;

        Layout(String splitFile, String imageDir, String datasetName) {
            this.splitFile = splitFile;
            this.imageDir = imageDir;
            this.datasetName = datasetName;
        }
    }

    private SyntheticDataset() {
    }

    /**
     * Writes {@code test} scenes in the Karpathy "test" split and {@code train} more in "train" (which evaluation must
     * skip), all drawn from {@code seed}. Returns the test scenes.
     */
    public static List<SyntheticScene> write(Path root, Layout layout, int test, int train, long seed)
            throws IOException {
        List<SyntheticScene> scenes = SceneGenerator.scenes(test + train, seed).stream()
                .map(s -> layout == Layout.COCO ? cocoNamed(s) : s).toList();
        Path images = root.resolve(layout.imageDir);
        Files.createDirectories(images);
        JsonArray entries = new JsonArray();
        List<ImageBoxes> boxEntries = new java.util.ArrayList<>();
        int sentence = 0;
        for (SyntheticScene s : scenes) {
            if (!ImageIO.write(SceneRenderer.render(s), "png", images.resolve(s.filename()).toFile())) {
                throw new IOException("no PNG writer for " + images.resolve(s.filename()));
            }
            boolean isTest = s.id() < test;
            entries.add(karpathyEntry(s, layout, isTest ? "test" : "train", sentence));
            sentence += s.captions().size();
            boxEntries.add(boxesEntry(s, layout));
        }
        JsonObject split = new JsonObject();
        split.add("images", entries);
        split.addProperty("dataset", layout.datasetName);
        writeJson(root.resolve(layout.splitFile), split);
        QpertBoxes.write(QpertBoxes.of(boxEntries), root.resolve(BOXES_FILE));
        return scenes.subList(0, test);
    }

    private static SyntheticScene cocoNamed(SyntheticScene s) {
        String name = String.format(Locale.ROOT, "COCO_val2014_%012d.png", s.id() + 1);
        return new SyntheticScene(s.id(), name, s.width(), s.height(), s.background(), s.objects(), s.captions());
    }

    private static JsonObject karpathyEntry(SyntheticScene s, Layout layout, String split, int firstSentence) {
        JsonObject e = new JsonObject();
        if (layout == Layout.COCO) {
            e.addProperty("filepath", layout.imageDir);
            e.addProperty("cocoid", s.id() + 1);
        }
        e.addProperty("filename", s.filename());
        e.addProperty("imgid", s.id());
        e.addProperty("split", split);
        JsonArray sentences = new JsonArray();
        JsonArray sentids = new JsonArray();
        for (int j = 0; j < s.captions().size(); j++) {
            String raw = s.captions().get(j);
            JsonObject sentence = new JsonObject();
            JsonArray tokens = new JsonArray();
            for (String t : raw.toLowerCase(Locale.ROOT).replace(".", "").split("\\s+")) {
                tokens.add(t);
            }
            sentence.add("tokens", tokens);
            sentence.addProperty("raw", raw);
            sentence.addProperty("imgid", s.id());
            sentence.addProperty("sentid", firstSentence + j);
            sentences.add(sentence);
            sentids.add(firstSentence + j);
        }
        e.add("sentids", sentids);
        e.add("sentences", sentences);
        return e;
    }

    private static ImageBoxes boxesEntry(SyntheticScene s, Layout layout) {
        List<LabeledBox> boxes = s.objects().stream()
                .map(o -> new LabeledBox(o.x0(), o.y0(), o.x1(), o.y1(), o.phrase(), Double.NaN)).toList();
        String image = layout == Layout.COCO ? layout.imageDir + "/" + s.filename() : s.filename();
        return new ImageBoxes(image, s.width(), s.height(), boxes);
    }

    private static void writeJson(Path path, JsonObject json) throws IOException {
        try (Writer w = Files.newBufferedWriter(path, StandardCharsets.UTF_8)) {
            new GsonBuilder().setPrettyPrinting().create().toJson(json, w);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
