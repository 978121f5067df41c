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
 * How images live in an {@link EmbeddingStore}, as the model's card says: fields {@code z} (the image tokens a pair
 * scorer re-reads, float32, 16-bit or absent: {@link StoreZ}; never kept for a model without a pair scorer),
 * {@code itc} (unperturbed features, [queries, width]) and, when perturbation is on, {@code itc_qpert}; metadata
 * {@code {"height", "width", "annotated", "boxes", "file"}}; the family and perturbation sites are store settings.
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
    /** The store setting naming the model family: a store of one family refuses another. */
    public static final String FAMILY = "family";
    /** The store setting listing the perturbation sites with their heads and head width. */
    public static final String SITES = "perturbation_sites";
    /** The store setting naming which of a checkpoint's several models embedded it (e.g. InternVL-G); absent else. */
    public static final String VARIANT = "model_variant";
    /**
     * Stores written before families were recorded hold BLIP-2 embeddings, the only family then; their sites are those
     * of the model whose fingerprint they record, so they are taken to have the engine's own.
     */
    private static final String FAMILY_BEFORE_FAMILIES = "blip-2";

    public StoredImage {
        boxes = List.copyOf(boxes);
    }

    public StoredImage(int height, int width, boolean annotated, List<Box> boxes) {
        this(height, width, annotated, boxes, null);
    }

    /** The store spec for an engine's settings and shapes, Z in float32. */
    public static StoreSpec spec(RetrievalEngine engine) {
        return spec(engine, StoreZ.F32);
    }

    /** The store spec for an engine's settings and shapes, Z kept as {@code z} says. */
    public static StoreSpec spec(RetrievalEngine engine, StoreZ z) {
        Map<String, int[]> fields = new java.util.LinkedHashMap<>();
        if (!engine.scoresPairs()) {
            z = StoreZ.NONE;
        }
        if (z != StoreZ.NONE) {
            fields.put(Z, engine.imageEmbedsShape());
        }
        fields.put(ITC, engine.featureShape());
        if (engine.perturbs()) {
            fields.put(ITC_QPERT, engine.featureShape());
        }
        Map<String, String> settings = new java.util.LinkedHashMap<>(engine.storeSettings());
        settings.put(FAMILY, engine.card().family());
        settings.put(SITES, engine.card().describeSites());
        return new StoreSpec(settings, fields, z == StoreZ.NONE ? Map.of() : Map.of(Z, z.dtype()))
                .withImpliedSettings(Map.of(FAMILY, FAMILY_BEFORE_FAMILIES, SITES, settings.get(SITES)));
    }

    /**
     * The spec a writer opens the store in {@code dir} with: Z kept as {@code z}, or when null as the existing store
     * keeps it (float32 for a new store), so that resuming needs no flag repeated.
     */
    public static StoreSpec spec(RetrievalEngine engine, java.nio.file.Path dir, StoreZ z) throws java.io.IOException {
        java.util.Optional<StoreSpec> existing = EmbeddingStore.readSpec(dir);
        if (existing.isPresent()) {
            requireFamily(dir, existing.get(), engine);
        }
        if (z == null) {
            z = existing.map(StoreZ::of).orElse(StoreZ.F32);
        }
        return spec(engine, z);
    }

    /** Refuses a store of another family before any finer difference, in words a user acts on. */
    private static void requireFamily(java.nio.file.Path dir, StoreSpec stored, RetrievalEngine engine) {
        String have = stored.settings().getOrDefault(FAMILY, FAMILY_BEFORE_FAMILIES);
        if (!have.equals(engine.card().family())) {
            throw new IllegalArgumentException("store " + dir + " holds " + have + " embeddings and this model is "
                    + engine.card().family() + ": use that model with it, or embed into another store");
        }
        String variant = stored.settings().get(VARIANT), mine = engine.storeSettings().get(VARIANT);
        if (!java.util.Objects.equals(variant, mine)) {
            throw new IllegalArgumentException("store " + dir + " holds " + variant + " embeddings and this model is "
                    + mine + ": load the checkpoint as that variant (--variant), or embed into another store");
        }
    }

    /** Whether the store keeps Z, which ITM re-ranking reads. */
    public static boolean hasZ(EmbeddingStore store) {
        return store.spec().fieldNames().contains(Z);
    }

    /** The values a store with {@code spec} keeps of an embedded image: Z only when it keeps Z. */
    static Map<String, float[]> values(StoreSpec spec, RetrievalEngine.EmbeddedImage e, boolean perturbs) {
        Map<String, float[]> values = new java.util.LinkedHashMap<>();
        if (spec.fieldNames().contains(Z)) {
            values.put(Z, e.imageEmbeds());
        }
        values.put(ITC, e.features());
        if (perturbs) {
            values.put(ITC_QPERT, e.perturbedFeatures());
        }
        return values;
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
        try {
            requireFamily(dir, have, engine);
        } catch (IllegalArgumentException e) {
            store.close();
            throw e;
        }
        List<String> diff = new ArrayList<>();
        for (String d : want.differencesFrom(have)) {
            // Z is read as float32 whatever it is stored as, and a store without it refuses ITM when asked.
            boolean unused = d.startsWith("field " + Z + ":") || !engine.perturbs()
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
