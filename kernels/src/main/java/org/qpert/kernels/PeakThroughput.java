package org.qpert.kernels;

import jcuda.driver.CUevent;
import jcuda.driver.JCudaDriver;

/**
 * The card's measured peak TFLOP/s for the instruction each GEMM precision uses (peak.cu): float32 FMA, and
 * mma.sync on TF32 and BF16 fragments. Benchmarks report GEMM throughput against these rather than datasheet figures.
 */
public final class PeakThroughput {
    private static final int THREADS = 256, BLOCKS_PER_SM = 8, ITERS = 1 << 16;

    private PeakThroughput() {
    }

    /** Best of three timed launches after one warm-up. */
    public static double measureTflops(CudaBackend backend, Precision precision) {
        CudaContext ctx = backend.context();
        ctx.enter();
        int blocks = ctx.multiprocessors * BLOCKS_PER_SM;
        try (CudaTensor sink = backend.allocate(blocks, THREADS)) {
            return measure(backend, ctx, precision, blocks, sink);
        }
    }

    private static double measure(CudaBackend backend, CudaContext ctx, Precision precision, int blocks,
            CudaTensor sink) {
        double flopsPerThreadIter = switch (precision) {
            case F32 -> 16;
            case TF32 -> 4 * 2048 / 32.0;
            case BF16 -> 4 * 4096 / 32.0;
        };
        double flops = flopsPerThreadIter * ITERS * blocks * THREADS;
        CUevent start = new CUevent(), stop = new CUevent();
        JCudaDriver.cuEventCreate(start, 0);
        JCudaDriver.cuEventCreate(stop, 0);
        double best = 0;
        for (int run = 0; run < 4; run++) {
            JCudaDriver.cuEventRecord(start, ctx.stream);
            launch(backend.kernels(), precision, blocks, sink);
            JCudaDriver.cuEventRecord(stop, ctx.stream);
            JCudaDriver.cuEventSynchronize(stop);
            float[] ms = {0};
            JCudaDriver.cuEventElapsedTime(ms, start, stop);
            if (run > 0) {
                best = Math.max(best, flops / (ms[0] * 1e-3) / 1e12);
            }
        }
        JCudaDriver.cuEventDestroy(start);
        JCudaDriver.cuEventDestroy(stop);
        return best;
    }

    private static void launch(Kernels kernels, Precision precision, int blocks, CudaTensor sink) {
        Launcher.Grid g = Launcher.Grid.of(blocks, THREADS);
        switch (precision) {
            case F32 -> kernels.peakFmaF32(g, sink.ptr(), ITERS, 0);
            case TF32 -> kernels.peakMmaTf32(g, sink.ptr(), ITERS, 0);
            case BF16 -> kernels.peakMmaBf16(g, sink.ptr(), ITERS, 0);
        }
    }
}
