package org.qpert.loaders.dataset;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * COCO instance annotations ({@code instances_val2014.json}): {@code images} give file name and size,
 * {@code annotations} give {@code bbox = [x, y, w, h]} (converted to x0, y0, x1, y1) and {@code category_id}
 * (the label is the category's name). Every image listed is annotated, with or without boxes; crowd regions are
 * kept as boxes like the others.
 */
public final class CocoInstances {

    private CocoInstances() {
    }

    public static BoxAnnotations read(Path file, BoxPolicy policy) {
        JsonObject root = JsonInput.object(JsonInput.read(file), file.toString());
        Map<Long, String> categories = new HashMap<>();
        JsonElement cats = root.get("categories");
        if (cats != null) {
            for (JsonElement c : JsonInput.array(cats, file + ": \"categories\"")) {
                JsonObject category = JsonInput.object(c, file + ": category");
                categories.put(JsonInput.integer(category.get("id"), file + ": category id"),
                        JsonInput.string(category, "name", file + ": category"));
            }
        }
        Map<Long, JsonObject> images = new LinkedHashMap<>();
        JsonArray imageList = JsonInput.array(root.get("images"), file + ": \"images\"");
        for (int i = 0; i < imageList.size(); i++) {
            JsonObject image = JsonInput.object(imageList.get(i), file + ": images[" + i + "]");
            images.put(JsonInput.integer(image.get("id"), file + ": images[" + i + "].id"), image);
        }
        Map<Long, List<LabeledBox>> boxes = new HashMap<>();
        JsonArray annotations = JsonInput.array(root.get("annotations"), file + ": \"annotations\"");
        for (int i = 0; i < annotations.size(); i++) {
            String where = file + ": annotations[" + i + "]";
            JsonObject a = JsonInput.object(annotations.get(i), where);
            long imageId = JsonInput.integer(a.get("image_id"), where + ".image_id");
            if (!images.containsKey(imageId)) {
                throw new IllegalArgumentException(where + ": image_id " + imageId + " is not in \"images\"");
            }
            JsonArray bbox = JsonInput.array(a.get("bbox"), where + ".bbox");
            if (bbox.size() != 4) {
                throw new IllegalArgumentException(where + ".bbox: expected [x, y, w, h], got " + bbox);
            }
            double x = JsonInput.number(bbox.get(0), where + ".bbox");
            double y = JsonInput.number(bbox.get(1), where + ".bbox");
            double w = JsonInput.number(bbox.get(2), where + ".bbox");
            double h = JsonInput.number(bbox.get(3), where + ".bbox");
            if (w < 0 || h < 0) {
                throw new IllegalArgumentException(where + ".bbox: negative size " + bbox);
            }
            String label = a.has("category_id")
                    ? categories.get(JsonInput.integer(a.get("category_id"), where + ".category_id")) : null;
            boxes.computeIfAbsent(imageId, k -> new ArrayList<>())
                    .add(new LabeledBox(x, y, x + w, y + h, label, Double.NaN));
        }
        BoxAnnotations.Builder result = new BoxAnnotations.Builder(file.toString());
        images.forEach((id, image) -> {
            String where = file + ": image " + id;
            result.add(BoxValidator.validate(file.toString(), JsonInput.string(image, "file_name", where),
                    JsonInput.positiveInt(image, "width", where), JsonInput.positiveInt(image, "height", where),
                    boxes.getOrDefault(id, List.of()), policy));
        });
        return result.build();
    }
}
