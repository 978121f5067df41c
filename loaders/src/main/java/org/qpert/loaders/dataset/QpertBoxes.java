package org.qpert.loaders.dataset;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * qpert's own box file, for boxes from any source (hand-drawn, a detector such as CO-DINO):
 * <pre>{@code
 * {"images": {
 *    "flickr30k-images/1000092795.jpg": {"width": 333, "height": 500,
 *        "boxes": [{"box": [x0, y0, x1, y1], "label": "man", "score": 0.93}, {"box": [...]}]},
 *    "1001773457.jpg": {"width": 500, "height": 375, "boxes": []}}}
 * }</pre>
 * Coordinates are original pixels, x0 <= x < x1 and y0 <= y < y1; label and score are optional. An image listed
 * with no boxes is annotated and has no objects; an image not listed is not annotated.
 */
public final class QpertBoxes {

    private QpertBoxes() {
    }

    public static BoxAnnotations read(Path file, BoxPolicy policy) {
        JsonObject root = JsonInput.object(JsonInput.read(file), file.toString());
        JsonObject images = JsonInput.object(root.get("images"), file + ": \"images\"");
        BoxAnnotations.Builder result = new BoxAnnotations.Builder(file.toString());
        for (Map.Entry<String, JsonElement> e : images.entrySet()) {
            String where = file + ": image " + e.getKey();
            JsonObject image = JsonInput.object(e.getValue(), where);
            JsonArray list = JsonInput.array(image.get("boxes"), where + ": \"boxes\"");
            List<LabeledBox> boxes = new ArrayList<>(list.size());
            for (int i = 0; i < list.size(); i++) {
                boxes.add(box(JsonInput.object(list.get(i), where + " box " + i), where + " box " + i));
            }
            result.add(BoxValidator.validate(file.toString(), e.getKey(), JsonInput.positiveInt(image, "width", where),
                    JsonInput.positiveInt(image, "height", where), boxes, policy));
        }
        return result.build();
    }

    private static LabeledBox box(JsonObject o, String where) {
        JsonArray coords = JsonInput.array(o.get("box"), where + ": \"box\"");
        if (coords.size() != 4) {
            throw new IllegalArgumentException(where + ": \"box\" must be [x0, y0, x1, y1], got " + coords);
        }
        double[] c = new double[4];
        for (int i = 0; i < 4; i++) {
            c[i] = JsonInput.number(coords.get(i), where + ": \"box\"");
        }
        String label = o.has("label") && !o.get("label").isJsonNull() ? JsonInput.string(o, "label", where) : null;
        double score = o.has("score") && !o.get("score").isJsonNull()
                ? JsonInput.number(o.get("score"), where + ": \"score\"") : Double.NaN;
        return new LabeledBox(c[0], c[1], c[2], c[3], label, score);
    }

    /** Writes annotations in this format (images in map order), so detectors and converters can produce it. */
    public static void write(BoxAnnotations annotations, Path file) throws IOException {
        JsonObject images = new JsonObject();
        for (ImageBoxes image : annotations.byKey().values()) {
            JsonObject entry = new JsonObject();
            entry.addProperty("width", image.width());
            entry.addProperty("height", image.height());
            JsonArray boxes = new JsonArray();
            for (LabeledBox b : image.boxes()) {
                JsonObject box = new JsonObject();
                JsonArray coords = new JsonArray();
                coords.add(b.x0());
                coords.add(b.y0());
                coords.add(b.x1());
                coords.add(b.y1());
                box.add("box", coords);
                if (b.label() != null) {
                    box.addProperty("label", b.label());
                }
                if (b.hasScore()) {
                    box.addProperty("score", b.score());
                }
                boxes.add(box);
            }
            entry.add("boxes", boxes);
            images.add(image.image(), entry);
        }
        JsonObject root = new JsonObject();
        root.add("images", images);
        Files.writeString(file, new GsonBuilder().setPrettyPrinting().create().toJson(root), StandardCharsets.UTF_8);
    }

    /** Annotations from images already validated elsewhere (e.g. a detector's output), refusing bad boxes. */
    public static BoxAnnotations of(List<ImageBoxes> images) {
        BoxAnnotations.Builder result = new BoxAnnotations.Builder("boxes");
        for (ImageBoxes image : images) {
            result.add(BoxValidator.validate("boxes", image.image(), image.width(), image.height(), image.boxes(),
                    BoxPolicy.STRICT));
        }
        return result.build();
    }
}
