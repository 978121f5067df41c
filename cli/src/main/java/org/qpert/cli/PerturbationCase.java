package org.qpert.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.qpert.core.qpert.Box;
import org.qpert.core.qpert.CoverageMode;
import org.qpert.core.qpert.Perturbation;
import org.qpert.core.qpert.WeightType;

/**
 * The settings part of a Q-Perturbation reference export of any family, {@code qpert.json}: alpha, tau, weight type,
 * optionally the perturbed layers, and per image its original size and boxes (x0, y0, x1, y1 in original pixels).
 */
public record PerturbationCase(Perturbation settings, int[][] sizes, List<List<Box>> boxes) {
    public static final String SETTINGS = "qpert.json";

    public static PerturbationCase read(Path dir) throws IOException {
        Path json = dir.resolve(SETTINGS);
        JsonObject root;
        try {
            root = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(json + ": not a JSON object: " + e.getMessage(), e);
        }
        try {
            List<int[]> sizes = new ArrayList<>();
            List<List<Box>> boxes = new ArrayList<>();
            for (JsonElement e : array(root, "images")) {
                JsonObject image = e.getAsJsonObject();
                sizes.add(new int[] {image.get("height").getAsInt(), image.get("width").getAsInt()});
                List<Box> list = new ArrayList<>();
                for (JsonElement b : array(image, "boxes_xyxy")) {
                    JsonArray xy = b.getAsJsonArray();
                    if (xy.size() != 4) {
                        throw new IllegalArgumentException("a box needs 4 coordinates (x0, y0, x1, y1), got " + xy);
                    }
                    list.add(new Box(xy.get(0).getAsDouble(), xy.get(1).getAsDouble(), xy.get(2).getAsDouble(),
                            xy.get(3).getAsDouble()));
                }
                boxes.add(list);
            }
            return new PerturbationCase(settings(root), sizes.toArray(int[][]::new), boxes);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(json + ": " + e.getMessage(), e);
        }
    }

    private static Perturbation settings(JsonObject root) {
        String weight = root.get("weight").getAsString();
        WeightType type;
        try {
            type = WeightType.valueOf(weight.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown weight type '" + weight + "'", e);
        }
        Optional<List<Integer>> layers = Optional.empty();
        if (root.has("cross_attention_layers")) {
            List<Integer> list = new ArrayList<>();
            array(root, "cross_attention_layers").forEach(l -> list.add(l.getAsInt()));
            layers = Optional.of(list);
        }
        return new Perturbation(root.get("alpha").getAsDouble(), root.get("tau").getAsDouble(), type,
                CoverageMode.MASK_RESIZE, layers);
    }

    private static JsonArray array(JsonObject o, String field) {
        JsonElement e = o.get(field);
        if (e == null || !e.isJsonArray()) {
            throw new IllegalArgumentException("field '" + field + "' is missing or not an array");
        }
        return e.getAsJsonArray();
    }
}
