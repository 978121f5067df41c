package org.qpert.loaders.safetensors;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;

/**
 * A read-only file mapped in windows of at most {@code windowSize} bytes, because one MappedByteBuffer cannot exceed
 * 2 GiB. Windows are back to back (no overlap), so a value may straddle two windows: {@link #copy} handles that.
 */
final class MappedFile implements AutoCloseable {
    static final long DEFAULT_WINDOW = 1L << 30;

    private static final System.Logger LOG = System.getLogger(MappedFile.class.getName());
    private static final Unmapper UNMAPPER = Unmapper.find();

    private final long size;
    private final long windowSize;
    private final MappedByteBuffer[] windows;

    MappedFile(FileChannel channel, long windowSize) throws IOException {
        if (windowSize <= 0 || windowSize > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("window size " + windowSize + " must be in 1..2^31-1");
        }
        this.size = channel.size();
        this.windowSize = windowSize;
        long count = (size + windowSize - 1) / windowSize;
        this.windows = new MappedByteBuffer[Math.toIntExact(count)];
        for (int i = 0; i < windows.length; i++) {
            long start = i * windowSize;
            windows[i] = channel.map(FileChannel.MapMode.READ_ONLY, start, Math.min(windowSize, size - start));
        }
    }

    long size() {
        return size;
    }

    /** Bytes from {@code pos} to the end of its window. */
    long bytesLeftInWindow(long pos) {
        return Math.min(windowSize - pos % windowSize, size - pos);
    }

    /** A little-endian view of {@code [pos, pos + length)}, which must lie inside one window. */
    ByteBuffer slice(long pos, int length) {
        MappedByteBuffer w = windows[(int) (pos / windowSize)];
        return w.slice((int) (pos % windowSize), length).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Copies {@code dst.length} bytes from {@code pos}, across window boundaries. */
    void copy(long pos, byte[] dst) {
        int done = 0;
        while (done < dst.length) {
            long p = pos + done;
            int n = (int) Math.min(dst.length - done, bytesLeftInWindow(p));
            windows[(int) (p / windowSize)].get((int) (p % windowSize), dst, done, n);
            done += n;
        }
    }

    /** Releases the mappings now instead of at some later GC; no view of them may be used afterwards. */
    @Override
    public void close() {
        for (int i = 0; i < windows.length; i++) {
            UNMAPPER.unmap(windows[i]);
            windows[i] = null;
        }
    }

    /**
     * {@code sun.misc.Unsafe.invokeCleaner}: the only way before Java 19+ FFM to unmap eagerly (module jdk.unsupported
     * opens sun.misc, so no JVM flag is needed). Without it the mapping lives until the buffer is garbage-collected.
     */
    private record Unmapper(Object unsafe, Method invokeCleaner) {
        static Unmapper find() {
            try {
                Class<?> c = Class.forName("sun.misc.Unsafe");
                Field f = c.getDeclaredField("theUnsafe");
                f.setAccessible(true);
                return new Unmapper(f.get(null), c.getMethod("invokeCleaner", ByteBuffer.class));
            } catch (ReflectiveOperationException | RuntimeException e) {
                LOG.log(System.Logger.Level.INFO, "cannot unmap files eagerly ({0}); mappings are freed by GC", e);
                return new Unmapper(null, null);
            }
        }

        void unmap(MappedByteBuffer buffer) {
            if (invokeCleaner == null || buffer == null) {
                return;
            }
            try {
                invokeCleaner.invoke(unsafe, buffer);
            } catch (ReflectiveOperationException e) {
                LOG.log(System.Logger.Level.DEBUG, "unmap failed", e);
            }
        }
    }
}
