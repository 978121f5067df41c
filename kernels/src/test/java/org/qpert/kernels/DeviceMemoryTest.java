package org.qpert.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.qpert.core.backend.Tensor;
import org.qpert.core.backend.TensorScope;
import org.qpert.core.backend.WeightData;

/** GPU: device buffers are owned by their tensors, returned on close (not by the collector), and reused. */
class DeviceMemoryTest {
    private static CudaBackend gpu;

    @BeforeAll
    static void open() {
        gpu = Gpu.open(Precision.F32, false);
    }

    @AfterAll
    static void close() {
        if (gpu != null) {
            gpu.close();
        }
    }

    @Test
    void closingReturnsEveryBufferAndUseAfterCloseFails() {
        long before = gpu.liveDeviceBytes();
        float[] x = Gpu.random(new Random(1), 257 * 1408, 1);
        CudaTensor a = (CudaTensor) gpu.upload(x, 257, 1408);
        Tensor y = gpu.gelu(gpu.add(a, a));
        assertTrue(gpu.liveDeviceBytes() >= before + 3L * 257 * 1408 * 4, "three tensors live");
        a.close();
        a.close();  // idempotent
        assertThrows(IllegalStateException.class, () -> gpu.download(a));
        ((CudaTensor) y).close();
        assertTrue(gpu.liveDeviceBytes() > before, "the sum is still open");
    }

    /** The model path's arena: what a scope's ops allocate is returned when it closes, except what it keeps. */
    @Test
    void aScopeReturnsItsIntermediatesAndKeepsWhatItHandsOut() {
        long before = gpu.liveDeviceBytes();
        float[] x = Gpu.random(new Random(4), 257 * 1408, 1);
        float[] want;
        Tensor kept;
        try (TensorScope scope = TensorScope.open()) {
            Tensor a = gpu.upload(x, 257, 1408);
            Tensor sum = gpu.add(a, a);
            kept = scope.keep(gpu.gelu(sum));
            want = gpu.download(kept);
            assertTrue(gpu.liveDeviceBytes() >= before + 3L * 257 * 1408 * 4, "three tensors live in the scope");
        }
        assertEquals(before + DeviceAllocator.rounded(257L * 1408 * 4), gpu.liveDeviceBytes(),
                "only the kept tensor's buffer is still live");
        assertArrayEquals(want, gpu.download(kept), "the kept tensor survives its scope");
        ((CudaTensor) kept).close();
        assertEquals(before, gpu.liveDeviceBytes());
    }

    /** BF16 mode keeps one bfloat16 copy of a weight (2 bytes per element), not a float32 one beside it. */
    @Test
    void aWeightInBf16ModeIsOneBf16Copy() {
        try (CudaBackend bf16 = Gpu.open(Precision.BF16, false)) {
            long before = bf16.liveDeviceBytes();
            CudaTensor w = (CudaTensor) bf16.weight(WeightData.f32(Gpu.random(new Random(3), 1408 * 6144, 0.02f), 1408, 6144));
            assertEquals(CudaTensor.Storage.BF16, w.storage());
            assertEquals(DeviceAllocator.rounded(1408L * 6144 * 2), bf16.liveDeviceBytes() - before);
        }
    }

    @Test
    void scratchOfAnOpIsReturnedAndBuffersAreReused() {
        long before = gpu.liveDeviceBytes();
        Random rnd = new Random(2);
        float[] q = Gpu.random(rnd, 32 * 768, 1), k = Gpu.random(rnd, 40 * 768, 1);
        float[] bias = new float[40];
        float[] first = null;
        for (int i = 0; i < 3; i++) {  // the same shapes: later rounds reuse the returned buffers
            try (CudaTensor tq = (CudaTensor) gpu.upload(q, 32, 768); CudaTensor tk = (CudaTensor) gpu.upload(k, 40, 768);
                    CudaTensor out = (CudaTensor) gpu.attention(tq, tk, tk, 12, 0.125f, bias)) {
                float[] got = gpu.download(out);
                if (first == null) {
                    first = got;
                } else {
                    assertArrayEquals(first, got, "a reused buffer gives the same result");
                }
            }
        }
        assertEquals(before, gpu.liveDeviceBytes(), "tensors and the key-bias scratch are all returned");
    }
}
