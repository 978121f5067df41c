package org.qpert.kernels;

import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.qpert.core.backend.ReferenceCpuBackend;
import org.qpert.core.backend.Tensor;

/** GPU: the attention kernel against the independent scalar reference backend (ReferenceCpuBackend) on ViT and Q-Former shapes (F32 ≤ 1e-5). */
class AttentionKernelTest {
    private static CudaBackend gpu;
    private final ReferenceCpuBackend reference = new ReferenceCpuBackend();
    private final Random rnd = new Random(5);

    @BeforeAll
    static void open() {
        gpu = Gpu.open(Precision.F32, true);
    }

    @AfterAll
    static void close() {
        if (gpu != null) {
            gpu.close();
        }
    }

    private void check(String what, int nq, int nk, int heads, int d, float[] keyBias) {
        float[] q = Gpu.random(rnd, nq * heads * d, 1), k = Gpu.random(rnd, nk * heads * d, 1);
        float[] v = Gpu.random(rnd, nk * heads * d, 1);
        float scale = (float) (1 / Math.sqrt(d));
        Tensor want = reference.attention(reference.upload(q, nq, heads * d), reference.upload(k, nk, heads * d),
                reference.upload(v, nk, heads * d), heads, scale, keyBias);
        Tensor got = gpu.attention(gpu.upload(q, nq, heads * d), gpu.upload(k, nk, heads * d),
                gpu.upload(v, nk, heads * d), heads, scale, keyBias);
        Gpu.check(what, Gpu.relativeError(gpu.download(got), reference.download(want)), 1e-5);
    }

    @Test
    void vitSelfAttention224() {
        check("attention ViT 257 tokens, 16 heads x 88", 257, 257, 16, 88, null);
    }

    @Test
    void vitSelfAttention364() {
        check("attention ViT 677 tokens, 16 heads x 88", 677, 677, 16, 88, null);
    }

    @Test
    void qformerCrossAttention() {
        check("attention Q-Former cross, 32 queries x 257 keys, 12 x 64", 32, 257, 12, 64, null);
    }

    @Test
    void qformerSelfAttentionWithPaddingMask() {
        int n = 32 + 35;
        float[] bias = new float[n];
        for (int j = n - 9; j < n; j++) {
            bias[j] = -10000f;  // HF's (1 - mask) * -10000 for padded caption tokens
        }
        check("attention Q-Former self, 67 tokens, 12 x 64, 9 padded", n, n, 12, 64, bias);
    }
}
