package org.qpert.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.qpert.core.parity.ParityInputs;
import org.qpert.core.parity.PerturbationInputs;
import org.qpert.core.parity.ReferenceTensor;
import org.qpert.core.qpert.Box;
import org.qpert.core.qpert.CoverageMode;
import org.qpert.core.qpert.Perturbation;
import org.qpert.core.qpert.WeightType;
import org.qpert.loaders.safetensors.DType;
import org.qpert.loaders.safetensors.SafetensorsFile;
import org.qpert.loaders.safetensors.TensorInfo;

/**
 * A Q-Perturbation reference export (testdata/parity/tiny-blip2/qpert-*): {@code qpert.json} (alpha, tau, weight,
 * cross_attention_layers, per image height, width and boxes_xyxy) and {@code qpert.safetensors} (inputs/*, the ITM
 * pairs, and the reference tensors; {@code objects/k} is I64 and compared as floats, so any difference fails).
 */
public record PerturbationFixture(PerturbationInputs inputs, Map<String, ReferenceTensor> reference) {
    public static final String SETTINGS = "qpert.json";
    public static final String TENSORS = "qpert.safetensors";

    public static PerturbationFixture read(Path dir) throws IOException {
        Path json = dir.resolve(SETTINGS);
        JsonObject root;
        try {
            root = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(json + ": not a JSON object: " + e.getMessage(), e);
        }
        List<int[]> sizes = new ArrayList<>();
        List<List<Box>> boxes = new ArrayList<>();
        Perturbation settings;
        try {
            settings = settings(root);
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
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(json + ": " + e.getMessage(), e);
        }
        Path tensors = dir.resolve(TENSORS);
        try (SafetensorsFile f = SafetensorsFile.open(tensors)) {
            ParityInputs model = new ParityInputs(ActivationsFile.images(f, "inputs/pixel_values"),
                    ActivationsFile.rows(f, "inputs/input_ids"), ActivationsFile.rows(f, "inputs/attention_mask"),
                    ActivationsFile.ints(f, "itm/pair_image"), ActivationsFile.ints(f, "itm/pair_text"));
            Map<String, ReferenceTensor> reference = new LinkedHashMap<>();
            for (TensorInfo t : f.tensors()) {
                String name = t.name();
                if (name.startsWith("inputs/") || name.startsWith("itm/pair_") || name.equals("objects/image_index")) {
                    continue;
                }
                if (t.dtype() == DType.F32) {
                    reference.put(name, new ReferenceTensor(t.shape(), f.readFloats(name)));
                } else if (t.dtype() == DType.I64) {
                    reference.put(name, new ReferenceTensor(t.shape(), asFloats(f.readLongs(name))));
                }
            }
            return new PerturbationFixture(new PerturbationInputs(model, sizes.toArray(int[][]::new), boxes,
                    settings), reference);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(tensors + ": " + e.getMessage(), e);
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

    private static float[] asFloats(long[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }
}
