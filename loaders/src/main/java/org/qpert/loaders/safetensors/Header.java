package org.qpert.loaders.safetensors;

import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.MalformedJsonException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A parsed and fully validated safetensors JSON header. */
record Header(Map<String, TensorInfo> tensors, Map<String, String> metadata) {

    static final String METADATA_KEY = "__metadata__";

    /**
     * Parses {@code json} (the header text) of {@code file}, whose data section starts at absolute {@code dataStart}
     * and is {@code dataSize} bytes long. Checks every entry and the byte ranges before anything is trusted.
     */
    static Header parse(String file, String json, long dataStart, long dataSize) {
        Map<String, RawEntry> raw = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        JsonReader r = Json.strictReader(json);
        String current = null;
        try {
            Json.expect(r, JsonToken.BEGIN_OBJECT, "the header");
            r.beginObject();
            boolean sawMetadata = false;
            while (r.hasNext()) {
                current = r.nextName();
                if (METADATA_KEY.equals(current)) {
                    if (sawMetadata) {
                        throw new Json.BadValue("appears twice");
                    }
                    sawMetadata = true;
                    readMetadata(r, metadata);
                } else {
                    if (raw.containsKey(current)) {
                        throw new Json.BadValue("appears twice in the header");
                    }
                    raw.put(current, readEntry(r));
                }
                current = null;
            }
            r.endObject();
            Json.expectEnd(r);
        } catch (Json.BadValue e) {
            throw new SafetensorsException(where(file, current) + e.getMessage());
        } catch (MalformedJsonException | IllegalStateException e) {
            throw new SafetensorsException(file + ": header is not valid JSON"
                    + (current == null ? "" : " (in entry '" + current + "')") + ": " + e.getMessage(), e);
        } catch (IOException e) {
            // A StringReader cannot fail; anything else here is a syntax problem (e.g. premature end).
            throw new SafetensorsException(file + ": header is not valid JSON: " + e.getMessage(), e);
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, RawEntry> e : raw.entrySet()) {
            tensors.put(e.getKey(), e.getValue().validate(file, e.getKey(), dataStart, dataSize));
        }
        checkNoOverlap(file, tensors.values(), dataStart);
        return new Header(Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
    }

    private static String where(String file, String entry) {
        if (entry == null) {
            return file + ": ";
        }
        return METADATA_KEY.equals(entry) ? file + ": " + METADATA_KEY + " " : file + ": tensor '" + entry + "': ";
    }

    private static void readMetadata(JsonReader r, Map<String, String> metadata) throws IOException {
        Json.expect(r, JsonToken.BEGIN_OBJECT, "value");
        r.beginObject();
        while (r.hasNext()) {
            String key = r.nextName();
            if (metadata.containsKey(key)) {
                throw new Json.BadValue("key '" + key + "' appears twice");
            }
            Json.expect(r, JsonToken.STRING, "value of key '" + key + "'");
            metadata.put(key, r.nextString());
        }
        r.endObject();
    }

    private static RawEntry readEntry(JsonReader r) throws IOException {
        Json.expect(r, JsonToken.BEGIN_OBJECT, "entry");
        r.beginObject();
        String dtype = null;
        List<Long> shape = null;
        long[] offsets = null;
        while (r.hasNext()) {
            String key = r.nextName();
            switch (key) {
                case "dtype" -> {
                    if (dtype != null) {
                        throw new Json.BadValue("'dtype' appears twice");
                    }
                    Json.expect(r, JsonToken.STRING, "'dtype'");
                    dtype = r.nextString();
                }
                case "shape" -> {
                    if (shape != null) {
                        throw new Json.BadValue("'shape' appears twice");
                    }
                    shape = readLongs(r, "shape");
                }
                case "data_offsets" -> {
                    if (offsets != null) {
                        throw new Json.BadValue("'data_offsets' appears twice");
                    }
                    List<Long> o = readLongs(r, "data_offsets");
                    if (o.size() != 2) {
                        throw new Json.BadValue("'data_offsets' must hold exactly 2 integers, found " + o.size());
                    }
                    offsets = new long[] {o.get(0), o.get(1)};
                }
                default -> throw new Json.BadValue("unknown field '" + key + "'");
            }
        }
        r.endObject();
        if (dtype == null || shape == null || offsets == null) {
            throw new Json.BadValue("missing field '" + (dtype == null ? "dtype" : shape == null ? "shape"
                    : "data_offsets") + "'");
        }
        return new RawEntry(dtype, shape.stream().mapToLong(Long::longValue).toArray(), offsets[0], offsets[1]);
    }

    private static List<Long> readLongs(JsonReader r, String field) throws IOException {
        Json.expect(r, JsonToken.BEGIN_ARRAY, "'" + field + "'");
        r.beginArray();
        List<Long> values = new ArrayList<>();
        while (r.hasNext()) {
            values.add(Json.nonNegativeLong(r, "'" + field + "' entry " + values.size()));
        }
        r.endArray();
        return values;
    }

    private static void checkNoOverlap(String file, Iterable<TensorInfo> tensors, long dataStart) {
        List<TensorInfo> sorted = new ArrayList<>();
        tensors.forEach(sorted::add);
        sorted.removeIf(t -> t.byteLength() == 0);
        sorted.sort(Comparator.comparingLong(TensorInfo::fileOffset));
        for (int i = 1; i < sorted.size(); i++) {
            TensorInfo prev = sorted.get(i - 1);
            TensorInfo next = sorted.get(i);
            if (next.fileOffset() < prev.fileOffset() + prev.byteLength()) {
                throw new SafetensorsException(file + ": tensor '" + next.name() + "' (data_offsets ["
                        + (next.fileOffset() - dataStart) + ", " + (next.fileOffset() - dataStart + next.byteLength())
                        + "]) overlaps tensor '" + prev.name() + "' (data_offsets [" + (prev.fileOffset() - dataStart)
                        + ", " + (prev.fileOffset() - dataStart + prev.byteLength()) + "])");
            }
        }
    }

    /** An entry as written, before its values are checked against each other and the file. */
    private record RawEntry(String dtype, long[] shape, long begin, long end) {

        TensorInfo validate(String file, String name, long dataStart, long dataSize) {
            String at = file + ": tensor '" + name + "': ";
            DType type = DType.parse(dtype).orElseThrow(() -> new SafetensorsException(at + "unknown dtype '"
                    + dtype + "'"));
            long numel = 1;
            for (long d : shape) {
                try {
                    numel = Math.multiplyExact(numel, d);
                } catch (ArithmeticException e) {
                    throw new SafetensorsException(at + "shape " + Arrays.toString(shape) + " has too many elements");
                }
            }
            if (begin > end) {
                throw new SafetensorsException(at + "data_offsets [" + begin + ", " + end + "] end before they begin");
            }
            if (end > dataSize) {
                throw new SafetensorsException(at + "data_offsets [" + begin + ", " + end
                        + "] run past the end of the data section (" + dataSize + " bytes)");
            }
            long expected;
            try {
                expected = Math.multiplyExact(numel, type.size());
            } catch (ArithmeticException e) {
                throw new SafetensorsException(at + "shape " + Arrays.toString(shape) + " has too many bytes");
            }
            if (end - begin != expected) {
                throw new SafetensorsException(at + "data_offsets [" + begin + ", " + end + "] span " + (end - begin)
                        + " bytes but " + type + Arrays.toString(shape) + " needs " + expected);
            }
            return new TensorInfo(name, type, shape, dataStart + begin, expected);
        }
    }
}
