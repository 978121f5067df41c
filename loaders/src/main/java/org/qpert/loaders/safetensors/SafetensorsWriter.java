package org.qpert.loaders.safetensors;

import com.google.gson.stream.JsonWriter;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.qpert.core.backend.Half;

/**
 * Builds a {@code .safetensors} file and writes it: tensors laid out back to back in the order added, header padded
 * with spaces to a multiple of 8 bytes (as the reference implementation does). Tensors are held in memory, or, when
 * added with {@link #addStreamed}, produced one at a time while the file is written (for checkpoints larger than
 * the heap).
 */
public final class SafetensorsWriter {
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final Map<String, Entry> tensors = new LinkedHashMap<>();

    private record Entry(DType dtype, long[] shape, long bytes, TensorBytes data) {
    }

    /** A tensor's little-endian bytes, asked for once, when the file is written. */
    @FunctionalInterface
    public interface TensorBytes {
        ByteBuffer get() throws IOException;
    }

    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    public SafetensorsWriter addF32(String name, long[] shape, float[] values) {
        ByteBuffer b = allocate(name, shape, values.length, DType.F32);
        b.asFloatBuffer().put(values);
        return put(name, DType.F32, shape, b);
    }

    /**
     * Float values stored as {@code dtype}: F32 as given, F16 or BF16 rounded to nearest even ({@link Half}; what
     * {@link SafetensorsFile#readFloats} widens back).
     */
    public SafetensorsWriter addFloats(String name, DType dtype, long[] shape, float[] values) {
        if (dtype == DType.F32) {
            return addF32(name, shape, values);
        }
        if (dtype != DType.F16 && dtype != DType.BF16) {
            throw new IllegalArgumentException("tensor '" + name + "': floats are stored as F32, F16 or BF16, not "
                    + dtype);
        }
        ByteBuffer b = allocate(name, shape, values.length, dtype);
        for (float v : values) {
            b.putShort(dtype == DType.F16 ? Half.floatToF16(v) : Half.floatToBf16(v));
        }
        return put(name, dtype, shape, b);
    }

    public SafetensorsWriter addI64(String name, long[] shape, long[] values) {
        ByteBuffer b = allocate(name, shape, values.length, DType.I64);
        b.asLongBuffer().put(values);
        return put(name, DType.I64, shape, b);
    }

    public SafetensorsWriter addI32(String name, long[] shape, int[] values) {
        ByteBuffer b = allocate(name, shape, values.length, DType.I32);
        b.asIntBuffer().put(values);
        return put(name, DType.I32, shape, b);
    }

    public SafetensorsWriter addU8(String name, long[] shape, byte[] values) {
        ByteBuffer b = allocate(name, shape, values.length, DType.U8);
        b.put(values);
        return put(name, DType.U8, shape, b);
    }

    /** Any dtype, given as its little-endian bytes (e.g. F16 bit patterns). */
    public SafetensorsWriter addRaw(String name, DType dtype, long[] shape, byte[] littleEndian) {
        if (littleEndian.length % dtype.size() != 0) {
            throw new IllegalArgumentException("tensor '" + name + "': " + littleEndian.length
                    + " bytes is not a whole number of " + dtype + " elements");
        }
        ByteBuffer b = allocate(name, shape, littleEndian.length / dtype.size(), dtype);
        b.put(littleEndian);
        return put(name, dtype, shape, b);
    }

    private ByteBuffer allocate(String name, long[] shape, int count, DType dtype) {
        if (name.equals(Header.METADATA_KEY) || tensors.containsKey(name)) {
            throw new IllegalArgumentException("tensor name '" + name + "' is reserved or already added");
        }
        long numel = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "': negative dimension in "
                        + Arrays.toString(shape));
            }
            numel = Math.multiplyExact(numel, d);
        }
        if (numel != count) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape) + " holds "
                    + numel + " elements, " + count + " given");
        }
        return ByteBuffer.allocate(Math.multiplyExact(count, dtype.size())).order(ByteOrder.LITTLE_ENDIAN);
    }

    private SafetensorsWriter put(String name, DType dtype, long[] shape, ByteBuffer data) {
        data.clear();
        tensors.put(name, new Entry(dtype, shape.clone(), data.capacity(), data::duplicate));
        return this;
    }

    /**
     * A tensor whose {@code bytes} little-endian bytes {@code data} gives when the file is written; a source that
     * then gives another length fails the write.
     */
    public SafetensorsWriter addStreamed(String name, DType dtype, long[] shape, TensorBytes data) {
        if (name.equals(Header.METADATA_KEY) || tensors.containsKey(name)) {
            throw new IllegalArgumentException("tensor name '" + name + "' is reserved or already added");
        }
        long numel = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "': negative dimension in "
                        + Arrays.toString(shape));
            }
            numel = Math.multiplyExact(numel, d);
        }
        tensors.put(name, new Entry(dtype, shape.clone(), Math.multiplyExact(numel, dtype.size()), data));
        return this;
    }

    public void write(Path path) throws IOException {
        byte[] header = headerJson().getBytes(StandardCharsets.UTF_8);
        int padded = (header.length + 7) & ~7;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(header);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(ch, head);
            for (Map.Entry<String, Entry> t : tensors.entrySet()) {
                ByteBuffer data = t.getValue().data().get();
                if (data.remaining() != t.getValue().bytes()) {
                    throw new IOException("tensor '" + t.getKey() + "' gave " + data.remaining() + " bytes, "
                            + t.getValue().bytes() + " expected");
                }
                writeFully(ch, data);
            }
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private String headerJson() throws IOException {
        StringWriter out = new StringWriter();
        try (JsonWriter w = new JsonWriter(out)) {
            w.beginObject();
            if (!metadata.isEmpty()) {
                w.name(Header.METADATA_KEY).beginObject();
                for (Map.Entry<String, String> m : metadata.entrySet()) {
                    w.name(m.getKey()).value(m.getValue());
                }
                w.endObject();
            }
            long offset = 0;
            for (Map.Entry<String, Entry> t : tensors.entrySet()) {
                Entry e = t.getValue();
                w.name(t.getKey()).beginObject();
                w.name("dtype").value(e.dtype().name());
                w.name("shape").beginArray();
                for (long d : e.shape()) {
                    w.value(d);
                }
                w.endArray();
                long end = offset + e.bytes();
                w.name("data_offsets").beginArray().value(offset).value(end).endArray();
                w.endObject();
                offset = end;
            }
            w.endObject();
        }
        return out.toString();
    }
}
