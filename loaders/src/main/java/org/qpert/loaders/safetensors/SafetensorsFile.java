package org.qpert.loaders.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.qpert.core.backend.Half;

/**
 * One memory-mapped {@code .safetensors} file. The header is validated completely when the file is opened; tensor
 * bytes are read (and upcast) on demand. Reads are thread-safe; {@link #close()} waits for reads in flight and
 * unmaps the file, after which every read fails with {@link IllegalStateException}.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** Largest header accepted: far above any real checkpoint's (the 4.7 GB BLIP-2 header is ~100 KB). */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;
    /** Largest element count one Java array can hold (VM limit a little below Integer.MAX_VALUE). */
    static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private final Path path;
    private final String file;
    private final Header header;
    private final MappedFile mapped;
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean closed;

    private SafetensorsFile(Path path, Header header, MappedFile mapped) {
        this.path = path;
        this.file = path.toString();
        this.header = header;
        this.mapped = mapped;
    }

    /** Opens and validates {@code path}; throws {@link SafetensorsException} for any malformed content. */
    public static SafetensorsFile open(Path path) throws IOException {
        return open(path, MappedFile.DEFAULT_WINDOW);
    }

    /** As {@link #open(Path)} with a chosen mapping window (tests use small windows to exercise straddling). */
    static SafetensorsFile open(Path path, long windowSize) throws IOException {
        String file = path.toString();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new SafetensorsException(file + ": file is " + size
                        + " bytes, shorter than the 8-byte header length field");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen < 0 || headerLen > MAX_HEADER_BYTES) {
                throw new SafetensorsException(file + ": header length " + Long.toUnsignedString(headerLen)
                        + " exceeds the " + MAX_HEADER_BYTES + "-byte limit");
            }
            if (8 + headerLen > size) {
                throw new SafetensorsException(file + ": header length " + headerLen + " runs past the end of the "
                        + size + "-byte file");
            }
            ByteBuffer headerBuf = ByteBuffer.allocate((int) headerLen);
            readFully(ch, headerBuf, 8);
            String json = decodeUtf8(file, headerBuf);
            Header header = Header.parse(file, json, 8 + headerLen, size - 8 - headerLen);
            // The mapping stays valid after the channel is closed.
            return new SafetensorsFile(path, header, new MappedFile(ch, windowSize));
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer dst, long pos) throws IOException {
        while (dst.hasRemaining()) {
            if (ch.read(dst, pos + dst.position()) < 0) {
                throw new IOException("unexpected end of file");
            }
        }
        dst.flip();
    }

    private static String decodeUtf8(String file, ByteBuffer bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw new SafetensorsException(file + ": header is not valid UTF-8", e);
        }
    }

    public Path path() {
        return path;
    }

    /** All tensors in header order. */
    public List<TensorInfo> tensors() {
        return new ArrayList<>(header.tensors().values());
    }

    public boolean contains(String name) {
        return header.tensors().containsKey(name);
    }

    /** The tensor's header entry; throws {@link SafetensorsException} naming file and tensor when absent. */
    public TensorInfo info(String name) {
        TensorInfo t = header.tensors().get(name);
        if (t == null) {
            throw new SafetensorsException(file + ": no tensor '" + name + "'");
        }
        return t;
    }

    /** The {@code __metadata__} map (empty when absent). */
    public Map<String, String> metadata() {
        return header.metadata();
    }

    /** F32, F16 or BF16 values upcast to float32, row-major. */
    public float[] readFloats(String name) {
        TensorInfo t = require(name, "a float type (F32, F16, BF16)", DType.F32, DType.F16, DType.BF16);
        float[] out = new float[(int) t.numel()];
        read(t, (buf, at, n) -> {
            switch (t.dtype()) {
                case F32 -> buf.asFloatBuffer().get(out, at, n);
                case F16 -> {
                    for (int i = 0; i < n; i++) {
                        out[at + i] = Half.f16ToFloat(buf.getShort(2 * i));
                    }
                }
                default -> {
                    for (int i = 0; i < n; i++) {
                        out[at + i] = Half.bf16ToFloat(buf.getShort(2 * i));
                    }
                }
            }
        });
        return out;
    }

    /**
     * The tensor's bytes as stored, little-endian and read-only: a view of the mapping (no copy) unless the tensor
     * straddles two mapping windows, then a heap copy. A view must not be used after {@link #close()}.
     */
    public ByteBuffer bytes(String name) {
        TensorInfo t = info(name);
        if (t.byteLength() > MAX_ARRAY) {
            throw new SafetensorsException(file + ": tensor '" + name + "' has " + t.byteLength()
                    + " bytes, more than one buffer holds");
        }
        lock.readLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException(file + " is closed");
            }
            int length = (int) t.byteLength();
            if (mapped.bytesLeftInWindow(t.fileOffset()) >= length) {
                return mapped.slice(t.fileOffset(), length).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
            }
            byte[] copy = new byte[length];
            mapped.copy(t.fileOffset(), copy);
            return ByteBuffer.wrap(copy).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** I64 values. */
    public long[] readLongs(String name) {
        TensorInfo t = require(name, "I64", DType.I64);
        long[] out = new long[(int) t.numel()];
        read(t, (buf, at, n) -> buf.asLongBuffer().get(out, at, n));
        return out;
    }

    /** I32 values. */
    public int[] readInts(String name) {
        TensorInfo t = require(name, "I32", DType.I32);
        int[] out = new int[(int) t.numel()];
        read(t, (buf, at, n) -> buf.asIntBuffer().get(out, at, n));
        return out;
    }

    /** U8 or I8 bytes as stored (for U8, {@code b & 0xff} is the value). */
    public byte[] readBytes(String name) {
        TensorInfo t = require(name, "U8 or I8", DType.U8, DType.I8);
        byte[] out = new byte[(int) t.numel()];
        read(t, (buf, at, n) -> buf.get(out, at, n));
        return out;
    }

    private TensorInfo require(String name, String wanted, DType... accepted) {
        TensorInfo t = info(name);
        if (!List.of(accepted).contains(t.dtype())) {
            throw new SafetensorsException(file + ": tensor '" + name + "' is " + t.dtype() + ", not " + wanted);
        }
        if (t.numel() > MAX_ARRAY) {
            throw new SafetensorsException(file + ": tensor '" + name + "' has " + t.numel()
                    + " elements, more than one Java array holds");
        }
        return t;
    }

    /** Receives {@code count} elements for output index {@code at}, little-endian, starting at buffer position 0. */
    @FunctionalInterface
    private interface Run {
        void accept(ByteBuffer buf, int at, int count);
    }

    /**
     * Feeds the tensor to {@code run} one window at a time (bulk views, no copy); an element that straddles two
     * windows goes through a small scratch copy.
     */
    private void read(TensorInfo t, Run run) {
        lock.readLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException(file + " is closed");
            }
            int size = t.dtype().size();
            long n = t.numel();
            long pos = t.fileOffset();
            byte[] scratch = new byte[size];
            int done = 0;
            while (done < n) {
                int k = (int) Math.min(n - done, mapped.bytesLeftInWindow(pos) / size);
                ByteBuffer buf;
                if (k > 0) {
                    buf = mapped.slice(pos, k * size);
                } else {
                    k = 1;
                    mapped.copy(pos, scratch);
                    buf = ByteBuffer.wrap(scratch).order(ByteOrder.LITTLE_ENDIAN);
                }
                run.accept(buf, done, k);
                done += k;
                pos += (long) k * size;
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                mapped.close();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public String toString() {
        return file;
    }
}
