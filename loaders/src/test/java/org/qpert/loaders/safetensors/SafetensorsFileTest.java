package org.qpert.loaders.safetensors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafetensorsFileTest {
    @TempDir
    Path dir;

    private Path sample() throws IOException {
        Path p = dir.resolve("sample.safetensors");
        new SafetensorsWriter()
                .metadata("format", "pt")
                .addF32("w", new long[] {2, 3}, new float[] {1, -2, 3.5f, Float.MIN_VALUE, Float.MAX_VALUE, -0f})
                .addI64("ids", new long[] {3}, new long[] {-1, 0, Long.MAX_VALUE})
                .addI32("ints", new long[] {2}, new int[] {7, Integer.MIN_VALUE})
                .addU8("pix", new long[] {1, 2, 2}, new byte[] {0, 1, (byte) 200, (byte) 255})
                .addF32("scalar", new long[] {}, new float[] {42f})
                .addF32("empty", new long[] {0, 4}, new float[0])
                .write(p);
        return p;
    }

    @Test
    void writerOutputReadsBackExactly() throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(sample())) {
            assertEquals(List.of("w", "ids", "ints", "pix", "scalar", "empty"),
                    f.tensors().stream().map(TensorInfo::name).toList());
            assertEquals(Map.of("format", "pt"), f.metadata());
            assertArrayEquals(new long[] {2, 3}, f.info("w").shape());
            assertEquals(DType.I64, f.info("ids").dtype());
            assertArrayEquals(new float[] {1, -2, 3.5f, Float.MIN_VALUE, Float.MAX_VALUE, -0f}, f.readFloats("w"));
            assertArrayEquals(new long[] {-1, 0, Long.MAX_VALUE}, f.readLongs("ids"));
            assertArrayEquals(new int[] {7, Integer.MIN_VALUE}, f.readInts("ints"));
            assertArrayEquals(new byte[] {0, 1, (byte) 200, (byte) 255}, f.readBytes("pix"));
            assertArrayEquals(new float[] {42f}, f.readFloats("scalar"));
            assertEquals(1, f.info("scalar").numel());
            assertEquals(0, f.readFloats("empty").length);
        }
    }

    @Test
    void readingWithTheWrongTypeOrNameFailsClearly() throws IOException {
        Path p = sample();
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            SafetensorsException e = assertThrows(SafetensorsException.class, () -> f.readFloats("ids"));
            assertTrue(e.getMessage().contains(p.toString()) && e.getMessage().contains("'ids' is I64"),
                    e.getMessage());
            e = assertThrows(SafetensorsException.class, () -> f.readLongs("nope"));
            assertTrue(e.getMessage().contains(p.toString()) && e.getMessage().contains("no tensor 'nope'"),
                    e.getMessage());
        }
    }

    @Test
    void closedFileRefusesReads() throws IOException {
        SafetensorsFile f = SafetensorsFile.open(sample());
        f.close();
        f.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> f.readFloats("w"));
    }

    /** Hand-checked F16 bit patterns: zeros, subnormals, normals, limits, infinities, NaN. */
    @Test
    void f16UpcastIsExact() throws IOException {
        int[] bits = {0x0000, 0x8000, 0x0001, 0x03ff, 0x0400, 0x3c00, 0xc000, 0x3555, 0x7bff, 0x7c00, 0xfc00, 0x7e00};
        float[] expected = {0f, -0f, 0x1p-24f, 1023 * 0x1p-24f, 0x1p-14f, 1f, -2f, 0.333251953125f, 65504f,
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN};
        assertArrayEquals(expected, readAs(DType.F16, bits));
    }

    @Test
    void bf16UpcastIsTheHighHalf() throws IOException {
        int[] bits = {0x0000, 0x8000, 0x3f80, 0xc0a0, 0x0001, 0x7f7f, 0x7f80, 0xff80, 0x7fc0};
        float[] expected = {0f, -0f, 1f, -5f, Float.intBitsToFloat(0x10000), Float.intBitsToFloat(0x7f7f0000),
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN};
        assertArrayEquals(expected, readAs(DType.BF16, bits));
    }

    private float[] readAs(DType dtype, int[] bits) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(2 * bits.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int x : bits) {
            b.putShort((short) x);
        }
        Path p = dir.resolve(dtype + ".safetensors");
        new SafetensorsWriter().addRaw("t", dtype, new long[] {bits.length}, b.array()).write(p);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            return f.readFloats("t");
        }
    }

    /**
     * With 8..24-byte windows every tensor crosses windows and some elements straddle two (the data section starts
     * at an offset that is not a multiple of the element size relative to the windows), for every dtype reader.
     */
    @Test
    void tinyWindowsGiveTheSameValues() throws IOException {
        float[] fl = new float[37];
        long[] lo = new long[11];
        for (int i = 0; i < fl.length; i++) {
            fl[i] = i * 1.25f - 7;
        }
        for (int i = 0; i < lo.length; i++) {
            lo[i] = (long) i * 0x0102030405060708L;
        }
        byte[] f16 = new byte[2 * 9];
        for (int i = 0; i < 9; i++) {
            f16[2 * i] = 0;
            f16[2 * i + 1] = (byte) (0x3c + i); // 1, 1.25 ... as F16 high bytes
        }
        Path p = dir.resolve("windows.safetensors");
        new SafetensorsWriter().addU8("odd", new long[] {3}, new byte[] {9, 8, 7})
                .addF32("f", new long[] {37}, fl).addI64("l", new long[] {11}, lo)
                .addRaw("h", DType.F16, new long[] {9}, f16).write(p);
        try (SafetensorsFile whole = SafetensorsFile.open(p)) {
            for (long window : new long[] {8, 13, 24}) {
                try (SafetensorsFile f = SafetensorsFile.open(p, window)) {
                    assertArrayEquals(fl, f.readFloats("f"), "window " + window);
                    assertArrayEquals(lo, f.readLongs("l"), "window " + window);
                    assertArrayEquals(whole.readFloats("h"), f.readFloats("h"), "window " + window);
                    assertArrayEquals(new byte[] {9, 8, 7}, f.readBytes("odd"), "window " + window);
                }
            }
        }
    }
}
