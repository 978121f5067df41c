package org.qpert.kernels;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.qpert.core.model.WeightSource;

/**
 * The few F32/I64 safetensors fixtures the GPU tests read (a test helper: the loaders module owns the real reader).
 */
final class SafetensorsFile implements WeightSource {
    private record Entry(String dtype, long[] shape, int begin, int end) {
    }

    private final Path path;
    private final ByteBuffer data;
    private final Map<String, Entry> entries = new TreeMap<>();

    SafetensorsFile(Path path) throws IOException {
        this.path = path;
        byte[] bytes = Files.readAllBytes(path);
        ByteBuffer all = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = all.getLong(0);
        if (headerLength <= 0 || headerLength > bytes.length - 8) {
            throw new IOException(path + ": header length " + headerLength + " does not fit the file");
        }
        JsonObject header = JsonParser.parseString(new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8))
                .getAsJsonObject();
        for (Map.Entry<String, JsonElement> e : header.entrySet()) {
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            JsonObject t = e.getValue().getAsJsonObject();
            long[] shape = new long[t.getAsJsonArray("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = t.getAsJsonArray("shape").get(i).getAsLong();
            }
            entries.put(e.getKey(), new Entry(t.get("dtype").getAsString(), shape,
                    t.getAsJsonArray("data_offsets").get(0).getAsInt(), t.getAsJsonArray("data_offsets").get(1).getAsInt()));
        }
        this.data = all.position(8 + (int) headerLength).slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public Set<String> names() {
        return entries.keySet();
    }

    @Override
    public long[] shape(String name) {
        return entry(name).shape().clone();
    }

    @Override
    public float[] floats(String name, long... expectedShape) {
        Entry e = entry(name);
        long n = Arrays.stream(e.shape()).reduce(1, (a, b) -> a * b);
        if (expectedShape.length > 0 && Arrays.stream(expectedShape).reduce(1, (a, b) -> a * b) != n) {
            throw new IllegalArgumentException(path + ": " + name + " has shape " + Arrays.toString(e.shape())
                    + ", expected " + Arrays.toString(expectedShape));
        }
        float[] out = new float[(int) n];
        switch (e.dtype()) {
            case "F32" -> data.slice(e.begin(), e.end() - e.begin()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
            case "I64" -> {
                long[] v = longs(name);
                for (int i = 0; i < out.length; i++) {
                    out[i] = v[i];
                }
            }
            default -> throw new IllegalArgumentException(path + ": " + name + " has unsupported dtype " + e.dtype());
        }
        return out;
    }

    long[] longs(String name) {
        Entry e = entry(name);
        if (!e.dtype().equals("I64")) {
            throw new IllegalArgumentException(path + ": " + name + " is " + e.dtype() + ", not I64");
        }
        long[] out = new long[(e.end() - e.begin()) / 8];
        data.slice(e.begin(), e.end() - e.begin()).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
        return out;
    }

    int[] ints(String name) {
        return Arrays.stream(longs(name)).mapToInt(Math::toIntExact).toArray();
    }

    private Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new IllegalArgumentException(path + " has no tensor " + name);
        }
        return e;
    }

    @Override
    public String describe() {
        return path.toString();
    }
}
