package org.qpert.engine;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.qpert.core.qpert.Box;
import org.qpert.core.retrieval.SizeBins;
import org.qpert.loaders.store.EmbeddingStore;
import org.qpert.loaders.store.StoreSpec;

/**
 * How images live in an {@link EmbeddingStore}: fields {@code z} (ViT output), {@code itc} (unperturbed features)
 * and, when perturbation is on, {@code itc_qpert}; metadata {@code {"height", "width", "annotated", "boxes", "file"}}.
 *
 * @param file absolute path of the source image when it was embedded (a service shows it), or null in stores written
 *             before it was recorded
 */
public record StoredImage(int height, int width, boolean annotated, List<Box> boxes, String file) {
    public static final String Z = "z";
    public static final String ITC = "itc";
    public static final String ITC_QPERT = "itc_qpert";
    /** The store setting that describes the perturbation (e.g. {@code off}). */
    public static final String PERTURBATION = "perturbation";

    public StoredImage {
        boxes = List.copyOf(boxes);
    }

    public StoredImage(int height, int width, boolean annotated, List<Box> boxes) {
        this(height, width, annotated, boxes, null);
    }

    /** The store spec for an engine's settings and shapes. */
    public static StoreSpec spec(RetrievalEngine engine) {
        Map<String, int[]> fields = new java.util.LinkedHashMap<>();
        fields.put(Z, engine.imageEmbedsShape());
        fields.put(ITC, engine.featureShape());
        if (engine.perturbs()) {
            fields.put(ITC_QPERT, engine.featureShape());
        }
        return new StoreSpec(engine.storeSettings(), fields);
    }

    /**
     * Opens the store in {@code dir} for searching with {@code engine} (no lock: a running embed may go on adding
     * shards; this reader sees those complete when it opened). Unlike a writer, a reader without perturbation accepts
     * a store that also holds perturbed features: it needs the model, image size and shapes to agree, and the
     * perturbation settings only when it uses the perturbed features.
     */
    public static EmbeddingStore openForSearch(java.nio.file.Path dir, RetrievalEngine engine)
            throws java.io.IOException {
        EmbeddingStore store = EmbeddingStore.openExisting(dir);
        StoreSpec want = spec(engine), have = store.spec();
        List<String> diff = new ArrayList<>();
        for (String d : want.differencesFrom(have)) {
            boolean unused = !engine.perturbs()
                    && (d.startsWith(PERTURBATION + ":") || d.startsWith("field " + ITC_QPERT + ":"));
            if (!unused) {
                diff.add(d);
            }
        }
        if (!diff.isEmpty()) {
            store.close();
            throw new IllegalArgumentException("store " + dir + " was built with other settings (" + String.join("; ",
                    diff) + "); search with the settings it was built with");
        }
        return store;
    }

    /** Object size of the image (largest relative box area), NaN without annotation. */
    public double objectSize() {
        if (!annotated) {
            return Double.NaN;
        }
        double[] areas = boxes.stream().mapToDouble(b -> b.clipTo(height, width).areaFraction(height, width))
                .toArray();
        return SizeBins.objectSize(areas);
    }

    public String toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("height", height);
        o.addProperty("width", width);
        o.addProperty("annotated", annotated);
        JsonArray list = new JsonArray();
        for (Box b : boxes) {
            JsonArray a = new JsonArray();
            a.add(b.x0());
            a.add(b.y0());
            a.add(b.x1());
            a.add(b.y1());
            list.add(a);
        }
        o.add("boxes", list);
        if (file != null) {
            o.addProperty("file", file);
        }
        return o.toString();
    }

    /** Reads the metadata of {@code id} back; throws naming the store and image when it is malformed. */
    public static StoredImage of(EmbeddingStore store, String id) {
        try {
            JsonObject o = JsonParser.parseString(store.meta(id)).getAsJsonObject();
            List<Box> boxes = new ArrayList<>();
            for (JsonElement e : o.getAsJsonArray("boxes")) {
                JsonArray a = e.getAsJsonArray();
                boxes.add(new Box(a.get(0).getAsDouble(), a.get(1).getAsDouble(), a.get(2).getAsDouble(),
                        a.get(3).getAsDouble()));
            }
            return new StoredImage(o.get("height").getAsInt(), o.get("width").getAsInt(),
                    o.get("annotated").getAsBoolean(), boxes,
                    o.has("file") && !o.get("file").isJsonNull() ? o.get("file").getAsString() : null);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("store " + store.dir() + ": metadata of image '" + id
                    + "' is malformed (" + e.getMessage() + ")", e);
        }
    }
}
