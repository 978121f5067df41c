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
import org.qpert.loaders.safetensors.DType;
import org.qpert.loaders.safetensors.SafetensorsFile;
import org.qpert.loaders.safetensors.SafetensorsWriter;

/**
 * Per-image embeddings on disk, written incrementally so that an interrupted run loses at most the shard in progress.
 *
 * <p>Layout of the store directory: {@code index.json} (format, {@link StoreSpec}, the list of shards with the image
 * ids each holds, in order, each shard's size and CRC32C, and the images that failed with their reasons),
 * {@code shard-NNNNNN.safetensors} files with one tensor {@code <row>/<field>} per image and field, of the field's
 * dtype in the spec ({@code "dtypes"} in the index: F32, F16 or BF16; read back as float32) (the index
 * also keeps a small JSON object of metadata per image), and {@code write.lock}. A shard is written to a temporary
 * file, forced to disk and renamed into place; only then is the index rewritten the same way, so a reader sees the
 * old index or the new one, and every shard either lists is complete. Shard files are never rewritten: a new shard
 * takes the next number.
 *
 * <p>One writer at a time: {@link #open} takes the store's OS lock ({@link StoreLock}) until {@link #close}; a second
 * writer fails at once naming the first. The writer checks every listed shard's size and CRC32C and drops the shards
 * that are missing or corrupt from the index, so their images count as not stored and are embedded again. Readers
 * ({@link #openExisting}) take no lock; they check that the shards are there at the recorded sizes and leave out,
 * with a warning, the images of a shard whose CRC32C no longer matches (search never ranks flipped bytes). Reopening a
 * store with another spec (other model, other perturbation settings, other shapes) is refused with a message
 * listing the differences. Thread-safe.
 */
public final class EmbeddingStore implements AutoCloseable {
    public static final String INDEX = "index.json";
    static final String FORMAT = "qpert-embedding-store";
    /** 2 added shard sizes, checksums and failures; version 1 stores are read and upgraded by the next writer. */
    static final int VERSION = 2;
    private static final java.util.regex.Pattern SHARD_NAME = java.util.regex.Pattern.compile("shard-(\\d{6})\\.safetensors");
    private static final System.Logger LOG = System.getLogger(EmbeddingStore.class.getName());
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    private final Path dir;
    private final StoreSpec spec;
    private final int shardSize;
    private final List<Shard> shards = new ArrayList<>();
    private final Map<String, Location> locations = new HashMap<>();
    private final Map<String, Pending> pending = new LinkedHashMap<>();
    private final Map<Integer, SafetensorsFile> open = new HashMap<>();
    private final Map<String, String> failed = new LinkedHashMap<>();
    private final List<String> repaired = new ArrayList<>();
    private final List<String> leftOut = new ArrayList<>();
    private StoreLock lock;
    private int nextShard;

    /**
     * @param bytes file size, -1 when unknown (version 1 index)
     * @param crc   CRC32C of the whole file as 8 hex digits, null when unknown (version 1 index)
     */
    private record Shard(String file, List<String> ids, List<JsonElement> meta, long bytes, String crc) {
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
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("store " + dir + " is not a directory");
        }
        Files.createDirectories(dir);
        EmbeddingStore store = new EmbeddingStore(dir, spec, shardSize);
        store.lock = StoreLock.acquire(dir);
        try {
            Path index = dir.resolve(INDEX);
            if (Files.exists(index)) {
                store.load(index, true);
                if (!store.repaired.isEmpty() || store.shards.stream().anyMatch(sh -> sh.crc() == null)) {
                    store.writeIndex();
                }
            } else {
                store.writeIndex();
            }
            return store;
        } catch (IOException | RuntimeException e) {
            store.lock.close();
            throw e;
        }
    }

    /** Opens an existing store for reading with whatever spec it was built with. */
    public static EmbeddingStore openExisting(Path dir) throws IOException {
        Path index = dir.resolve(INDEX);
        if (!Files.exists(index)) {
            throw new IllegalArgumentException("no embedding store in " + dir + " (" + INDEX + " is missing)");
        }
        JsonObject json = parseIndex(index);
        EmbeddingStore store = new EmbeddingStore(dir, specOf(json, index), Integer.MAX_VALUE);
        store.load(index, false);
        return store;
    }

    /** The spec of the store in {@code dir} as its index records it, empty when there is no store there. */
    public static java.util.Optional<StoreSpec> readSpec(Path dir) throws IOException {
        Path index = dir.resolve(INDEX);
        if (!Files.exists(index)) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(specOf(parseIndex(index), index));
    }

    /**
     * Checks every shard of the store in {@code dir} against the index (presence, size, CRC32C) and lists the files
     * that look like shards but are not listed. Takes no lock and changes nothing.
     */
    public static StoreCheck verify(Path dir) throws IOException {
        EmbeddingStore store = new EmbeddingStore(dir, null, Integer.MAX_VALUE);
        Path index = dir.resolve(INDEX);
        if (!Files.exists(index)) {
            throw new IllegalArgumentException("no embedding store in " + dir + " (" + INDEX + " is missing)");
        }
        JsonObject json = parseIndex(index);
        StoreSpec spec = specOf(json, index);
        List<String> missing = new ArrayList<>(), corrupt = new ArrayList<>(), orphaned = new ArrayList<>();
        java.util.Set<String> listed = new java.util.HashSet<>();
        int shards = 0, images = 0, lost = 0;
        try {
            for (JsonElement e : json.getAsJsonArray("shards")) {
                JsonObject s = e.getAsJsonObject();
                List<String> ids = new ArrayList<>();
                s.getAsJsonArray("ids").forEach(id -> ids.add(id.getAsString()));
                Shard shard = new Shard(s.get("file").getAsString(), ids, List.of(),
                        s.has("bytes") ? s.get("bytes").getAsLong() : -1,
                        s.has("crc32c") ? s.get("crc32c").getAsString() : null);
                listed.add(shard.file());
                shards++;
                images += ids.size();
                String problem = problem(dir, shard, spec.fieldNames(), true);
                if (problem != null) {
                    lost += ids.size();
                    if (problem.equals("is missing")) {
                        missing.add(shard.file());
                    } else {
                        corrupt.add(shard.file() + " " + problem);
                    }
                }
            }
            if (json.has("failed")) {
                json.getAsJsonObject("failed").entrySet().forEach(f -> store.failed.put(f.getKey(),
                        f.getValue().getAsString()));
            }
        } catch (IllegalStateException | NullPointerException | ClassCastException | UnsupportedOperationException e) {
            throw new IllegalArgumentException(index + ": malformed shard list (" + e.getMessage() + ")", e);
        }
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("shard-") || n.endsWith(".tmp"))
                    .filter(n -> !listed.contains(n)).sorted().forEach(orphaned::add);
        }
        return new StoreCheck(shards, images, missing, corrupt, orphaned, lost, store.failed);
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

    /** Images whose embedding failed, with the reason, in the order they failed (stored ones are removed). */
    public synchronized Map<String, String> failures() {
        return Map.copyOf(failed);
    }

    /**
     * Records that image {@code id} could not be embedded (e.g. a corrupt file); kept in the index until the image is
     * stored, so a later run knows what it retries.
     */
    public synchronized void recordFailure(String id, String reason) throws IOException {
        failed.put(id, reason);
        writeIndex();
    }

    /**
     * The shards a reader left out because their content no longer matches the CRC32C the index recorded, one line
     * each (also logged as a warning); their images are not in {@link #ids()}. A writer repairs them instead.
     */
    public synchronized List<String> leftOut() {
        return List.copyOf(leftOut);
    }

    /** What opening this store for writing repaired: one line per dropped shard (missing or corrupt) with its images. */
    public synchronized List<String> repaired() {
        return List.copyOf(repaired);
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
        if (lock == null) {
            throw new IllegalStateException("store " + dir + " was opened for reading");
        }
        String file = String.format(java.util.Locale.ROOT, "shard-%06d.safetensors", nextShard);
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", FORMAT);
        List<String> ids = new ArrayList<>(pending.keySet());
        for (int row = 0; row < ids.size(); row++) {
            for (Map.Entry<String, float[]> e : pending.get(ids.get(row)).values().entrySet()) {
                w.addFloats(row + "/" + e.getKey(), spec.dtype(e.getKey()), longs(spec.shape(e.getKey())),
                        e.getValue());
            }
        }
        Path tmp = dir.resolve(file + ".tmp");
        w.write(tmp);
        String crc = crc32c(tmp);
        long bytes = Files.size(tmp);
        moveDurably(tmp, dir.resolve(file));
        nextShard++;
        shards.add(new Shard(file, List.copyOf(ids), ids.stream().map(id -> pending.get(id).meta()).toList(), bytes,
                crc));
        for (int row = 0; row < ids.size(); row++) {
            locations.put(ids.get(row), new Location(shards.size() - 1, row));
            failed.remove(ids.get(row));
        }
        pending.clear();
        writeIndex();
    }

    /**
     * Takes over the shards of other stores made with this store's spec, e.g. one per Spark partition, each written by
     * its own writer: every shard file becomes this store's next shard, hard-linked where the file system allows (shard
     * files are never rewritten, so sharing one is safe) and otherwise copied and checked against its recorded CRC32C,
     * each under a temporary name renamed into place; then the index is written once. A crash before that leaves only
     * unlisted files, which the next writer overwrites. A shard whose images this store already holds is skipped, so
     * merging the same parts again adds nothing; one that holds only some of them is refused. The parts' failures are
     * carried over for the images this store does not hold. Needs the write lock; returns the number of images added.
     */
    public synchronized int adoptShards(List<Path> parts) throws IOException {
        if (lock == null) {
            throw new IllegalStateException("store " + dir + " was opened for reading");
        }
        flush();
        List<Shard> added = new ArrayList<>();
        Map<String, String> partFailures = new LinkedHashMap<>();
        java.util.Set<String> adding = new java.util.HashSet<>();
        int next = nextShard;
        for (Path part : parts) {
            try (EmbeddingStore source = openExisting(part)) {
                List<String> diff = spec.differencesFrom(source.spec());
                if (!diff.isEmpty()) {
                    throw new IllegalArgumentException("store part " + part + " was built with other settings than "
                            + dir + " (" + String.join("; ", diff) + ")");
                }
                for (Shard s : source.shards) {
                    long held = s.ids().stream().filter(locations::containsKey).count();
                    if (held == s.ids().size()) {
                        continue;
                    }
                    if (held > 0) {
                        throw new IllegalArgumentException("store part " + part + ": shard " + s.file() + " holds "
                                + held + " of its " + s.ids().size() + " images already in store " + dir);
                    }
                    for (String id : s.ids()) {
                        if (!adding.add(id)) {
                            throw new IllegalArgumentException("store part " + part + ": image id '" + id
                                    + "' is also in an earlier part");
                        }
                    }
                    String file = String.format(java.util.Locale.ROOT, "shard-%06d.safetensors", next++);
                    added.add(linkOrCopy(part.resolve(s.file()), s, file));
                }
                source.failed.forEach(partFailures::putIfAbsent);
            }
        }
        nextShard = next;
        for (Shard s : added) {
            for (int row = 0; row < s.ids().size(); row++) {
                locations.put(s.ids().get(row), new Location(shards.size(), row));
                failed.remove(s.ids().get(row));
            }
            shards.add(s);
        }
        partFailures.forEach((id, reason) -> {
            if (!locations.containsKey(id)) {
                failed.put(id, reason);
            }
        });
        if (!added.isEmpty() || !partFailures.isEmpty()) {
            writeIndex();
        }
        return adding.size();
    }

    /** Places {@code source}, a part's {@code shard}, as {@code file} of this store, and says so in a new record. */
    private Shard linkOrCopy(Path source, Shard shard, String file) throws IOException {
        Path tmp = dir.resolve(file + ".tmp");
        Files.deleteIfExists(tmp);
        String crc = shard.crc();
        try {
            Files.createLink(tmp, source);
        } catch (UnsupportedOperationException | IOException e) {
            Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING);
            String copied = crc32c(tmp);
            if (crc != null && !crc.equals(copied)) {
                Files.delete(tmp);
                throw new IOException("shard " + source + " is corrupt (CRC32C " + copied + ", its index recorded "
                        + crc + ")");
            }
            crc = copied;
        }
        if (crc == null) {
            crc = crc32c(tmp);
        }
        long size = Files.size(tmp);
        if (shard.bytes() >= 0 && size != shard.bytes()) {
            Files.delete(tmp);
            throw new IOException("shard " + source + " has " + size + " bytes, its index recorded " + shard.bytes());
        }
        moveDurably(tmp, dir.resolve(file));
        return new Shard(file, shard.ids(), shard.meta(), size, crc);
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
            if (lock != null) {
                flush();
            }
        } finally {
            open.values().forEach(SafetensorsFile::close);
            open.clear();
            if (lock != null) {
                lock.close();
                lock = null;
            }
        }
    }

    /** Lets go of the write lock without flushing, as a killed process would (tests of crash recovery). */
    void abandonForTest() throws IOException {
        lock.close();
        lock = null;
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

    /**
     * Reads the index. A writer ({@code repair}) checks each shard's size and checksum and drops the bad ones (their
     * images are embedded again); a reader checks the same and leaves a corrupt shard's images out (a missing shard
     * or one of another size is an error).
     */
    private void load(Path index, boolean repair) throws IOException {
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
                java.util.regex.Matcher name = SHARD_NAME.matcher(file);
                if (!name.matches()) {
                    throw new IllegalArgumentException(index + ": shard '" + file + "' is misnamed");
                }
                nextShard = Math.max(nextShard, Integer.parseInt(name.group(1)) + 1);
                List<String> ids = new ArrayList<>();
                List<JsonElement> meta = new ArrayList<>();
                s.getAsJsonArray("meta").forEach(meta::add);
                s.getAsJsonArray("ids").forEach(id -> ids.add(id.getAsString()));
                if (meta.size() != ids.size()) {
                    throw new IllegalArgumentException(index + ": shard '" + file + "' lists " + ids.size()
                            + " ids but " + meta.size() + " metadata entries");
                }
                Shard shard = new Shard(file, List.copyOf(ids), List.copyOf(meta),
                        s.has("bytes") ? s.get("bytes").getAsLong() : -1,
                        s.has("crc32c") ? s.get("crc32c").getAsString() : null);
                String problem = problem(dir, shard, spec.fieldNames(), repair || shard.crc() != null);
                if (problem != null && !repair && problem.startsWith(CORRUPT)) {
                    // Flipped bytes parse as plausible floats (an ITC of 24 ranked first): never rank them.
                    String line = "shard " + file + " " + problem + ": its " + ids.size() + " images are left out; "
                            + "'qpert store verify " + dir + "' lists the damage, 'qpert embed' on the store "
                            + "embeds them again";
                    LOG.log(System.Logger.Level.WARNING, "store " + dir + ": " + line);
                    leftOut.add(line);
                    continue;
                }
                if (problem != null) {
                    if (!repair) {
                        throw new IllegalArgumentException("store " + dir + ": shard '" + file + "' " + problem
                                + "; run 'qpert store verify' and re-run embed to repair it");
                    }
                    // Also the path of serve, which embeds only what it is sent: say who embeds them again.
                    String line = "shard " + file + " " + problem + ": its " + ids.size()
                            + " images are dropped from the store ('qpert embed' embeds them again)";
                    LOG.log(System.Logger.Level.WARNING, "store " + dir + ": " + line);
                    repaired.add(line);
                    continue;
                }
                if (shard.crc() == null && repair) {
                    shard = new Shard(file, shard.ids(), shard.meta(), Files.size(dir.resolve(file)),
                            crc32c(dir.resolve(file)));
                }
                for (int row = 0; row < ids.size(); row++) {
                    if (locations.put(ids.get(row), new Location(shards.size(), row)) != null) {
                        throw new IllegalArgumentException(index + ": image id '" + ids.get(row) + "' appears twice");
                    }
                }
                shards.add(shard);
            }
            if (json.has("failed")) {
                json.getAsJsonObject("failed").entrySet().forEach(f -> failed.put(f.getKey(),
                        f.getValue().getAsString()));
            }
        } catch (IllegalStateException | NullPointerException | ClassCastException | NumberFormatException
                 | UnsupportedOperationException e) {
            throw new IllegalArgumentException(index + ": malformed shard list (" + e.getMessage() + ")", e);
        }
    }

    /**
     * What is wrong with a listed shard, or null: missing, another size than recorded, and (with {@code content})
     * another CRC32C, or for a version 1 shard without one, a header that does not parse or lacks a row's tensor.
     */
    private static String problem(Path dir, Shard shard, List<String> fields, boolean content) throws IOException {
        Path p = dir.resolve(shard.file());
        if (!Files.isRegularFile(p)) {
            return "is missing";
        }
        long size = Files.size(p);
        if (shard.bytes() >= 0 && size != shard.bytes()) {
            return "has " + size + " bytes, the index recorded " + shard.bytes();
        }
        if (!content) {
            return null;
        }
        if (shard.crc() != null) {
            String crc = crc32c(p);
            return crc.equals(shard.crc()) ? null : CORRUPT + " (CRC32C " + crc + ", the index recorded "
                    + shard.crc() + ")";
        }
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            for (int row = 0; row < shard.ids().size(); row++) {
                for (String field : fields) {
                    if (!f.contains(row + "/" + field)) {
                        return "lacks tensor " + row + "/" + field;
                    }
                }
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return "is unreadable (" + e.getMessage() + ")";
        }
    }

    private static final String CORRUPT = "is corrupt";

    /** CRC32C of a whole file, 8 hex digits. */
    static String crc32c(Path file) throws IOException {
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocateDirect(1 << 20);
            while (ch.read(buf) >= 0) {
                buf.flip();
                crc.update(buf);
                buf.clear();
            }
        }
        return String.format(java.util.Locale.ROOT, "%08x", crc.getValue());
    }

    private static JsonObject parseIndex(Path index) throws IOException {
        try {
            JsonObject json = JsonParser.parseString(org.qpert.loaders.TextFiles.readUtf8(index))
                    .getAsJsonObject();
            if (!json.has("format") || !FORMAT.equals(json.get("format").getAsString())) {
                throw new IllegalArgumentException(index + " is not a qpert embedding store index");
            }
            int version = json.get("version").getAsInt();
            if (version < 1 || version > VERSION) {
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
            Map<String, DType> dtypes = new LinkedHashMap<>();
            if (json.has("dtypes")) {
                json.getAsJsonObject("dtypes").entrySet().forEach(e -> dtypes.put(e.getKey(),
                        DType.parse(e.getValue().getAsString()).orElseThrow(() -> new IllegalArgumentException(
                                "unknown dtype '" + e.getValue().getAsString() + "' of field " + e.getKey()))));
            }
            return new StoreSpec(settings, fields, dtypes);
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
        JsonObject dtypes = new JsonObject();
        for (String f : spec.fieldNames()) {
            dtypes.addProperty(f, spec.dtype(f).name());
        }
        json.add("dtypes", dtypes);
        JsonArray list = new JsonArray();
        for (Shard s : shards) {
            JsonObject o = new JsonObject();
            o.addProperty("file", s.file());
            if (s.crc() != null) {
                o.addProperty("bytes", s.bytes());
                o.addProperty("crc32c", s.crc());
            }
            o.add("ids", GSON.toJsonTree(s.ids()));
            JsonArray meta = new JsonArray();
            s.meta().forEach(meta::add);
            o.add("meta", meta);
            list.add(o);
        }
        json.add("shards", list);
        JsonObject failures = new JsonObject();
        failed.forEach(failures::addProperty);
        json.add("failed", failures);
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
