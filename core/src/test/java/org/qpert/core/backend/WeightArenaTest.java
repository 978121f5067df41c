package org.qpert.core.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The chunks 16-bit weights are packed into: slices never overlap, chunks grow, and weights off a chunk's start work. */
class WeightArenaTest {

    @Test
    void slicesFollowEachOtherAndLaterWeightsFillEarlierTails() {
        WeightArena arena = new WeightArena();
        WeightArena.Slice a = arena.allocate(1000), b = arena.allocate(WeightArena.FIRST_CHUNK - 2000);
        assertSame(a.array(), b.array(), "both fit the first chunk");
        assertEquals(1000, b.offset());
        WeightArena.Slice c = arena.allocate(1500);
        assertNotSame(a.array(), c.array(), "the first chunk has 1000 shorts left");
        assertEquals(2 * WeightArena.FIRST_CHUNK, c.array().length, "chunks double");
        WeightArena.Slice d = arena.allocate(1000);
        assertSame(a.array(), d.array(), "a smaller weight fills the first chunk's tail");
        assertEquals(WeightArena.FIRST_CHUNK - 1000, d.offset());
        WeightArena.Slice big = arena.allocate(5 * WeightArena.FIRST_CHUNK);
        assertEquals(5 * WeightArena.FIRST_CHUNK, big.array().length, "a weight larger than the next chunk gets its own");
    }

    @Test
    void weightsPackedBehindOthersInOneChunkMultiplyAsAlone() {
        CpuBackend shared = new CpuBackend();
        Random random = new Random(9);
        float[] x = new float[5 * 19];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        Tensor input = shared.upload(x, 5, 19);
        for (DType dtype : new DType[] {DType.BF16, DType.F16}) {
            float[] first = new float[23 * 19], second = new float[37 * 19];
            for (int i = 0; i < first.length; i++) {
                first[i] = (float) random.nextGaussian();
            }
            for (int i = 0; i < second.length; i++) {
                second[i] = (float) random.nextGaussian();
            }
            WeightData w1 = sixteen(dtype, first, 23, 19), w2 = sixteen(dtype, second, 37, 19);
            shared.weight(w1);
            PackedWeight behind = (PackedWeight) shared.weight(w2);
            assertEquals(true, behind.offset16 > 0, "the test needs a weight that does not start its chunk");
            float[] alone = new CpuBackend().download(new CpuBackend().linear(input, new CpuBackend().weight(w2), null));
            assertArrayEquals(alone, shared.download(shared.linear(input, behind, null)), 0f, dtype.toString());
            assertArrayEquals(w2.toFloats(), shared.download(behind), 0f, "unpacked from its slice");
        }
    }

    /** BF16 rounded from the values; F16 as random finite bit patterns (exponent field below 31). */
    private static WeightData sixteen(DType dtype, float[] values, int rows, int cols) {
        if (dtype == DType.BF16) {
            return WeightData.bf16(values, rows, cols);
        }
        short[] bits = new short[values.length];
        for (int i = 0; i < bits.length; i++) {
            bits[i] = (short) (Float.floatToIntBits(values[i]) >>> 16 & 0xbfff);
        }
        return WeightData.of16(DType.F16, bits, rows, cols);
    }
}
