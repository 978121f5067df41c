package org.qpert.loaders.safetensors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A sparse ~2.2 GB file: only the header and two small tensors are written, so the test stays fast. One tensor lies
 * beyond 2^31 bytes (out of reach of a single MappedByteBuffer), one straddles the 1 GiB window boundary with an
 * element split across the two windows.
 */
class LargeFileTest {
    @TempDir
    Path dir;

    @Test
    void tensorsBeyond2GiBAndAcrossTheWindowBoundaryRead() throws IOException {
        long size = 2_200_000_000L;
        String header = "{\"straddle\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[%d,%d]},"
                + "\"far\":{\"dtype\":\"I64\",\"shape\":[3],\"data_offsets\":[%d,%d]}}";
        // The header length depends on the digits of the offsets; pad to a fixed 256 bytes.
        int headerLen = 256;
        long dataStart = 8 + headerLen;
        long straddleAt = (1L << 30) - 6; // absolute: element 1 covers bytes 2^30-2 .. 2^30+1
        long farAt = (1L << 31) + 1000;
        String json = String.format(header, straddleAt - dataStart, straddleAt - dataStart + 16,
                farAt - dataStart, farAt - dataStart + 24);
        byte[] h = String.format("%-" + headerLen + "s", json).getBytes(StandardCharsets.UTF_8);
        assertEquals(headerLen, h.length);

        float[] floats = {1.5f, -2.25f, 3e-8f, 65536f};
        long[] longs = {-7, 1L << 40, 123456789012345L};
        Path p = dir.resolve("big.safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
            raf.setLength(size);
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerLen);
            raf.write(b.array());
            raf.write(h);
            ByteBuffer fb = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            for (float f : floats) {
                fb.putFloat(f);
            }
            raf.seek(straddleAt);
            raf.write(fb.array());
            ByteBuffer lb = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
            for (long l : longs) {
                lb.putLong(l);
            }
            raf.seek(farAt);
            raf.write(lb.array());
        }
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertArrayEquals(floats, f.readFloats("straddle"));
            assertArrayEquals(longs, f.readLongs("far"));
        }
    }
}
