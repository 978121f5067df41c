package org.qpert.loaders.store;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.qpert.loaders.safetensors.SafetensorsFile;
import org.qpert.loaders.safetensors.SafetensorsWriter;

/**
 * Per-image embeddings on disk, written incrementally so that an interrupted run loses at most the shard in progress.
 *
 * <p>Layout of the store directory: {@code index.json} (format, {@link StoreSpec}, and the list of shards with the image
 * ids each holds, in order) and {@code shard-NNNNNN.safetensors} files with one F32 tensor {@code <row>/<field>} per
 * image and field; the index also keeps a small JSON object of metadata per image. A shard is written to a temporary file, forced to disk and renamed into place; only then is the
 * index rewritten the same way. A shard left behind by a crash before its index update is not listed and is simply
 * overwritten. Reopening a store with another spec (other model, other perturbation settings, other shapes) is
 * refused with a message listing the differences. Thread-safe.
 */
public final class EmbeddingStore implements AutoCloseable {
    public static final String INDEX = "index.json";
    static final String FORMAT = "qpert-embedding-store";
    static final int VERSION = 1;
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    private final Path dir;
    private final StoreSpec spec;
    private final int shardSize;
    private final List<Shard> shards = new ArrayList<>();
    private final Map<String, Location> locations = new HashMap<>();
    private final Map<String, Pending> pending = new LinkedHashMap<>();
    private final Map<Integer, SafetensorsFile> open = new HashMap<>();

    private record Shard(String file, List<String> ids, List<JsonElement> meta) {
    }

    private record Pending(Map<String, float[]> values, JsonElement meta) {
    }

    private record Location(int shard, int row) {
    }

    private EmbeddingStore(Path dir, StoreSpec spec, int shardSize) {
        this.dir = dir;
        this.spec = spec;
        this.shardSize = shardSize;
    }

    /**
     * Opens the store in {@code dir}, creating it when there is none. An existing store must have been made with
     * {@code spec}; {@code shardSize} images are buffered before each write.
     */
    public static EmbeddingStore open(Path dir, StoreSpec spec, int shardSize) throws IOException {
        if (shardSize < 1) {
            throw new IllegalArgumentException("shard size must be at least 1, got " + shardSize);
        }
        EmbeddingStore store = new EmbeddingStore(dir, spec, shardSize);
        Path index = dir.resolve(INDEX);
        if (Files.exists(index)) {
            store.load(index);
        } else {
            if (Files.exists(dir) && !Files.isDirectory(dir)) {
                throw new IllegalArgumentException("store " + dir + " is not a directory");
            }
            Files.createDirectories(dir);
            store.writeIndex();
        }
        return store;
    }

    /** Opens an existing store for reading with whatever spec it was built with. */
    public static EmbeddingStore openExisting(Path dir) throws IOException {
        Path index = dir.resolve(INDEX);
        if (!Files.exists(index)) {
            throw new IllegalArgumentException("no embedding store in " + dir + " (" + INDEX + " is missing)");
        }
        JsonObject json = parseIndex(index);
        EmbeddingStore store = new EmbeddingStore(dir, specOf(json, index), Integer.MAX_VALUE);
        store.load(index);
        return store;
    }

    public StoreSpec spec() {
        return spec;
    }

    public Path dir() {
        return dir;
    }

    /** Whether {@code id} is stored or buffered. */
    public synchronized boolean contains(String id) {
        return locations.containsKey(id) || pending.containsKey(id);
    }

    /** Number of images on disk (buffered ones not counted). */
    public synchronized int storedCount() {
        return locations.size();
    }

    /** Ids on disk, in the order they were written. */
    public synchronized List<String> ids() {
        List<String> out = new ArrayList<>(locations.size());
        for (Shard s : shards) {
            out.addAll(s.ids());
        }
        return out;
    }

    /** {@link #add(String, Map, String)} without metadata. */
    public void add(String id, Map<String, float[]> values) throws IOException {
        add(id, values, "{}");
    }

    /**
     * Buffers one image's values (one array per field, each of the field's size) and its metadata (a JSON object,
     * e.g. original size and boxes, kept in the index); writes a shard when the buffer is full.
     */
    public synchronized void add(String id, Map<String, float[]> values, String metaJson) throws IOException {
        JsonElement meta;
        try {
            meta = JsonParser.parseString(metaJson);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException("metadata of image '" + id + "' is not JSON: " + e.getMessage(), e);
        }
        if (!meta.isJsonObject()) {
            throw new IllegalArgumentException("metadata of image '" + id + "' must be a JSON object");
        }
        if (contains(id)) {
            throw new IllegalArgumentException("image id '" + id + "' is already in store " + dir);
        }
        if (!values.keySet().equals(new java.util.HashSet<>(spec.fieldNames()))) {
            throw new IllegalArgumentException("image '" + id + "' has fields " + values.keySet() + ", the store "
                    + "expects " + spec.fieldNames());
        }
        Map<String, float[]> copy = new LinkedHashMap<>();
        for (String f : spec.fieldNames()) {
            float[] v = values.get(f);
            if (v.length != spec.size(f)) {
                throw new IllegalArgumentException("image '" + id + "', field '" + f + "': " + v.length
                        + " values, expected " + spec.size(f));
            }
            copy.put(f, v.clone());
        }
        pending.put(id, new Pending(copy, meta));
        if (pending.size() >= shardSize) {
            flush();
        }
    }

    /** Writes buffered images as one shard, then the index; both atomically. */
    public synchronized void flush() throws IOException {
        if (pending.isEmpty()) {
            return;
        }
        String file = String.format(java.util.Locale.ROOT, "shard-%06d.safetensors", shards.size());
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", FORMAT);
        List<String> ids = new ArrayList<>(pending.keySet());
        for (int row = 0; row < ids.size(); row++) {
            for (Map.Entry<String, float[]> e : pending.get(ids.get(row)).values().entrySet()) {
                w.addF32(row + "/" + e.getKey(), longs(spec.shape(e.getKey())), e.getValue());
            }
        }
        Path tmp = dir.resolve(file + ".tmp");
        w.write(tmp);
        moveDurably(tmp, dir.resolve(file));
        shards.add(new Shard(file, List.copyOf(ids), ids.stream().map(id -> pending.get(id).meta()).toList()));
        for (int row = 0; row < ids.size(); row++) {
            locations.put(ids.get(row), new Location(shards.size() - 1, row));
        }
        pending.clear();
        writeIndex();
    }

    /** One image's value of one field. */
    public float[] read(String id, String field) {
        spec.shape(field);
        Location at;
        SafetensorsFile f;
        synchronized (this) {
            at = locations.get(id);
            if (at == null) {
                float[] buffered = pending.containsKey(id) ? pending.get(id).values().get(field) : null;
                if (buffered != null) {
                    return buffered.clone();
                }
                throw new IllegalArgumentException("image id '" + id + "' is not in store " + dir);
            }
            f = shardFile(at.shard());
        }
        return f.readFloats(at.row() + "/" + field);
    }

    /** The metadata JSON object given with image {@code id}. */
    public synchronized String meta(String id) {
        Location at = locations.get(id);
        if (at == null) {
            if (pending.containsKey(id)) {
                return pending.get(id).meta().toString();
            }
            throw new IllegalArgumentException("image id '" + id + "' is not in store " + dir);
        }
        return shards.get(at.shard()).meta().get(at.row()).toString();
    }

    /** {@code field} of every stored image in {@link #ids()} order, concatenated. */
    public float[] readAll(String field) {
        List<String> ids = ids();
        int size = spec.size(field);
        float[] out = new float[Math.multiplyExact(ids.size(), size)];
        for (int i = 0; i < ids.size(); i++) {
            System.arraycopy(read(ids.get(i), field), 0, out, i * size, size);
        }
        return out;
    }

    /** Flushes what is buffered and closes the shard files. */
    @Override
    public synchronized void close() throws IOException {
        try {
            flush();
        } finally {
            open.values().forEach(SafetensorsFile::close);
            open.clear();
        }
    }

    private SafetensorsFile shardFile(int shard) {
        return open.computeIfAbsent(shard, s -> {
            Path p = dir.resolve(shards.get(s).file());
            try {
                return SafetensorsFile.open(p);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot read store shard " + p + ": " + e.getMessage(), e);
            }
        });
    }

    private void load(Path index) throws IOException {
        JsonObject json = parseIndex(index);
        StoreSpec stored = specOf(json, index);
        List<String> diff = spec.differencesFrom(stored);
        if (!diff.isEmpty()) {
            throw new IllegalArgumentException("store " + dir + " was built with other settings (" + String.join("; ",
                    diff) + "); use another store directory or delete this one");
        }
        try {
            for (JsonElement e : json.getAsJsonArray("shards")) {
                JsonObject s = e.getAsJsonObject();
                String file = s.get("file").getAsString();
                if (!file.matches("shard-\\d{6}\\.safetensors") || !Files.isRegularFile(dir.resolve(file))) {
                    throw new IllegalArgumentException(index + ": shard '" + file + "' is missing or misnamed");
                }
                List<String> ids = new ArrayList<>();
                List<JsonElement> meta = new ArrayList<>();
                s.getAsJsonArray("meta").forEach(meta::add);
                for (JsonElement id : s.getAsJsonArray("ids")) {
                    String v = id.getAsString();
                    if (locations.put(v, new Location(shards.size(), ids.size())) != null) {
                        throw new IllegalArgumentException(index + ": image id '" + v + "' appears twice");
                    }
                    ids.add(v);
                }
                if (meta.size() != ids.size()) {
                    throw new IllegalArgumentException(index + ": shard '" + file + "' lists " + ids.size()
                            + " ids but " + meta.size() + " metadata entries");
                }
                shards.add(new Shard(file, List.copyOf(ids), List.copyOf(meta)));
            }
        } catch (IllegalStateException | NullPointerException | ClassCastException e) {
            throw new IllegalArgumentException(index + ": malformed shard list (" + e.getMessage() + ")", e);
        }
    }

    private static JsonObject parseIndex(Path index) throws IOException {
        try {
            JsonObject json = JsonParser.parseString(Files.readString(index, StandardCharsets.UTF_8))
                    .getAsJsonObject();
            if (!json.has("format") || !FORMAT.equals(json.get("format").getAsString())) {
                throw new IllegalArgumentException(index + " is not a qpert embedding store index");
            }
            if (json.get("version").getAsInt() != VERSION) {
                throw new IllegalArgumentException(index + ": store version " + json.get("version")
                        + " is not supported (this qpert reads version " + VERSION + ")");
            }
            return json;
        } catch (JsonParseException | IllegalStateException | NullPointerException | UnsupportedOperationException e) {
            throw new IllegalArgumentException(index + ": malformed store index (" + e.getMessage() + ")", e);
        }
    }

    private static StoreSpec specOf(JsonObject json, Path index) {
        try {
            Map<String, String> settings = new LinkedHashMap<>();
            json.getAsJsonObject("settings").entrySet().forEach(e -> settings.put(e.getKey(),
                    e.getValue().getAsString()));
            Map<String, int[]> fields = new LinkedHashMap<>();
            json.getAsJsonObject("fields").entrySet().forEach(e -> fields.put(e.getKey(),
                    GSON.fromJson(e.getValue(), int[].class)));
            return new StoreSpec(settings, fields);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(index + ": malformed settings or fields (" + e.getMessage() + ")", e);
        }
    }

    private void writeIndex() throws IOException {
        JsonObject json = new JsonObject();
        json.addProperty("format", FORMAT);
        json.addProperty("version", VERSION);
        JsonObject settings = new JsonObject();
        spec.settings().forEach(settings::addProperty);
        json.add("settings", settings);
        JsonObject fields = new JsonObject();
        for (String f : spec.fieldNames()) {
            fields.add(f, GSON.toJsonTree(spec.shape(f)));
        }
        json.add("fields", fields);
        JsonArray list = new JsonArray();
        for (Shard s : shards) {
            JsonObject o = new JsonObject();
            o.addProperty("file", s.file());
            o.add("ids", GSON.toJsonTree(s.ids()));
            JsonArray meta = new JsonArray();
            s.meta().forEach(meta::add);
            o.add("meta", meta);
            list.add(o);
        }
        json.add("shards", list);
        Path tmp = dir.resolve(INDEX + ".tmp");
        Files.writeString(tmp, GSON.toJson(json), StandardCharsets.UTF_8);
        moveDurably(tmp, dir.resolve(INDEX));
    }

    /** fsync, then rename over the target: readers see the old file or the new one, never half of one. */
    private static void moveDurably(Path tmp, Path target) throws IOException {
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static long[] longs(int[] shape) {
        long[] out = new long[shape.length];
        for (int i = 0; i < shape.length; i++) {
            out[i] = shape[i];
        }
        return out;
    }
}
