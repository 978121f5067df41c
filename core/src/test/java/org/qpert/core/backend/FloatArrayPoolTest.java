package org.qpert.core.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Closed CPU tensors give their arrays back, zeroed on reuse, once, up to the pool's capacity. */
class FloatArrayPoolTest {
    @Test
    void aReturnedArrayIsHandedOutAgainZeroed() {
        FloatArrayPool pool = new FloatArrayPool(1 << 20);
        float[] a = pool.take(8);
        java.util.Arrays.fill(a, 3f);
        pool.give(a);
        assertEquals(32, pool.heldBytes());
        assertNotSame(a, pool.take(4), "another length is a fresh array");
        float[] b = pool.take(8);
        assertSame(a, b);
        assertArrayEquals(new float[8], b, "zeroed like new float[]");
        assertEquals(0, pool.heldBytes());
    }

    @Test
    void beyondCapacityArraysAreLeftToTheCollector() {
        FloatArrayPool pool = new FloatArrayPool(40);
        float[] a = pool.take(8), b = pool.take(8);
        pool.give(a);
        pool.give(b); // 64 bytes > 40: dropped
        assertEquals(32, pool.heldBytes());
        assertSame(a, pool.take(8));
        assertNotSame(b, pool.take(8));
    }

    @Test
    void aClosedTensorsArrayServesTheNextResultOnceAndTheTensorRefusesUse() {
        CpuBackend cpu = new CpuBackend();
        Tensor x = cpu.upload(new float[] {1, 2, 3, 4}, 2, 2);
        Tensor sum;
        float[] recycled;
        try (TensorScope scope = TensorScope.open()) {
            sum = cpu.add(x, x);
            recycled = CpuBackend.data(sum);
        }
        sum.close(); // a second close must not give the array back twice
        Tensor first = cpu.add(x, x), second = cpu.add(x, x);
        assertSame(recycled, CpuBackend.data(first), "the closed result's array is reused");
        assertNotSame(recycled, CpuBackend.data(second), "and only once");
        assertArrayEquals(new float[] {2, 4, 6, 8}, cpu.download(first));
        assertArrayEquals(new float[] {2, 4, 6, 8}, cpu.download(second));
        assertThrows(IllegalStateException.class, () -> cpu.download(sum));
    }

    @Test
    void aForwardOfEveryOpGivesTheSameResultsWithRecycledArrays() {
        CpuBackend cpu = new CpuBackend();
        java.util.Random r = new java.util.Random(1);
        float[] xs = new float[6 * 16], ws = new float[16 * 16], bs = new float[16], gs = new float[16];
        for (float[] v : List.of(xs, ws, bs, gs)) {
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) r.nextGaussian();
            }
        }
        Tensor x = cpu.upload(xs, 6, 16), w = cpu.weight(WeightData.f32(ws, 16, 16)), b = cpu.upload(bs, 1, 16),
                g = cpu.upload(gs, 1, 16);
        float[][] runs = new float[3][];
        for (int run = 0; run < runs.length; run++) {
            try (TensorScope scope = TensorScope.open()) {
                Tensor h = cpu.linearGelu(cpu.layerNorm(x, g, b, 1e-5f), w, b);
                Tensor a = cpu.attention(h, h, h, 2, 0.25f, Segments.uniform(2, 3), Segments.uniform(2, 3), null);
                Tensor y = cpu.addLayerNorm(cpu.linearResidual(a, w, b, x), x, g, b, 1e-5f);
                runs[run] = cpu.download(cpu.l2Normalize(cpu.concatRows(cpu.sliceRows(y, 2, 6), cpu.sliceCols(y, 0,
                        16))));
            }
        }
        assertArrayEquals(runs[0], runs[1], 0f, "second run, from recycled arrays");
        assertArrayEquals(runs[0], runs[2], 0f);
    }
}
