package org.qpert.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.qpert.core.backend.ReferenceCpuBackend;
import org.qpert.core.backend.Tensor;

/** GPU: element-wise, normalization and copy ops (InternVL's among them) against the independent scalar reference backend (ReferenceCpuBackend) on the real model's shapes (F32 ≤ 1e-5). */
class ElementwiseKernelsTest {
    private static final double F32 = 1e-5;
    private static CudaBackend gpu;
    private final ReferenceCpuBackend reference = new ReferenceCpuBackend();
    private final Random rnd = new Random(11);

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

    private Tensor[] both(int rows, int cols, double scale) {
        float[] x = Gpu.random(rnd, rows * cols, scale);
        return new Tensor[] {reference.upload(x, rows, cols), gpu.upload(x, rows, cols)};
    }

    private void check(String what, Tensor onCpu, Tensor onGpu, double bound) {
        Gpu.check(what, Gpu.relativeError(gpu.download(onGpu), reference.download(onCpu)), bound);
    }

    @Test
    void addAddRowAndGelu() {
        Tensor[] a = both(257, 1408, 1), b = both(257, 1408, 1), row = both(1, 1408, 1), h = both(257, 6144, 2);
        check("add [257, 1408]", reference.add(a[0], b[0]), gpu.add(a[1], b[1]), F32);
        check("addRow [257, 1408]", reference.addRow(a[0], row[0]), gpu.addRow(a[1], row[1]), F32);
        check("gelu [257, 6144]", reference.gelu(h[0]), gpu.gelu(h[1]), F32);
    }

    @Test
    void layerNormWithAndWithoutResidual() {
        for (int width : new int[] {1408, 768}) {
            float eps = width == 1408 ? 1e-6f : 1e-12f;
            Tensor[] x = both(257, width, 3), r = both(257, width, 1), g = both(1, width, 1), b = both(1, width, 1);
            check("layerNorm [257, " + width + "]", reference.layerNorm(x[0], g[0], b[0], eps),
                    gpu.layerNorm(x[1], g[1], b[1], eps), F32);
            check("addLayerNorm [257, " + width + "]", reference.addLayerNorm(x[0], r[0], g[0], b[0], eps),
                    gpu.addLayerNorm(x[1], r[1], g[1], b[1], eps), F32);
        }
    }

    @Test
    void l2NormalizeAndMeanRows() {
        Tensor[] x = both(32, 256, 1), logits = both(32, 2, 1);
        check("l2Normalize [32, 256]", reference.l2Normalize(x[0]), gpu.l2Normalize(x[1]), F32);
        check("meanRows [32, 2]", reference.meanRows(logits[0]), gpu.meanRows(logits[1]), F32);
    }

    /**
     * InternVL's ops (RMSNorm, rotary, SwiGLU, layer scale; the CUDA backend runs the Backend's composed defaults) at
     * the real widths: InternViT 3200 over 257 tokens, QLLaMA 4096 in 32 heads of 128 over 96 queries, MLP 11008.
     */
    @Test
    void internvlOpsAtTheirRealWidths() {
        for (int[] shape : new int[][] {{257, 3200}, {96, 4096}}) {
            Tensor[] x = both(shape[0], shape[1], 3), g = both(1, shape[1], 1), r = both(shape[0], shape[1], 1);
            check("rmsNorm " + java.util.Arrays.toString(shape), reference.rmsNorm(x[0], g[0], 1e-6f),
                    gpu.rmsNorm(x[1], g[1], 1e-6f), F32);
            check("scaledResidual " + java.util.Arrays.toString(shape), reference.scaledResidual(x[0], g[0], r[0]),
                    gpu.scaledResidual(x[1], g[1], r[1]), F32);
        }
        Tensor[] q = both(96, 4096, 1);
        int[] positions = java.util.stream.IntStream.range(0, 96).toArray();
        check("rotary [96, 32 x 128]", reference.rotary(q[0], 32, positions, 10000),
                gpu.rotary(q[1], 32, positions, 10000), F32);
        Tensor[] gateUp = both(32, 2 * 11008, 2);
        check("swiGlu [32, 2 x 11008]", reference.swiGlu(gateUp[0]), gpu.swiGlu(gateUp[1]), F32);
    }

    @Test
    void copiesAreExact() {
        Tensor[] x = both(67, 768, 1), y = both(35, 768, 1), table = both(100, 768, 1);
        int[] ids = {5, 0, 99, 5, 42};
        assertArrayEquals(reference.download(reference.sliceRows(x[0], 32, 67)), gpu.download(gpu.sliceRows(x[1], 32, 67)));
        assertArrayEquals(reference.download(reference.sliceCols(x[0], 64, 128)), gpu.download(gpu.sliceCols(x[1], 64, 128)));
        assertArrayEquals(reference.download(reference.concatRows(x[0], y[0])), gpu.download(gpu.concatRows(x[1], y[1])));
        assertArrayEquals(reference.download(reference.gatherRows(table[0], ids)), gpu.download(gpu.gatherRows(table[1], ids)));
    }
}
