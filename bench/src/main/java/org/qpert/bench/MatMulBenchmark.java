package org.qpert.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.qpert.core.backend.cpu.Kernels;
import org.qpert.core.backend.cpu.MatMul;
import org.qpert.core.backend.cpu.Packing;
import org.qpert.core.backend.cpu.WorkerPool;

/**
 * {@code y = x·Wᵀ + b} with W packed once, at the BLIP-2 shapes that dominate the time ({@code rows x in x out}):
 * ViT-g qkv / fc1 / fc2, cross-attention keys, Q-Former image (32 rows) and text (20 rows) layers. Average time per
 * product; bench/compare-cpu.sh turns it into GFLOP/s (2·rows·in·out per product) beside numpy's sgemm.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class MatMulBenchmark {

    @Param({"257x1408x4224", "257x1408x6144", "257x6144x1408", "257x1408x768", "32x768x768", "32x768x3072",
            "20x768x768", "20x768x3072"})
    public String shape;

    private MatMul matMul;
    private float[] x;
    private float[] packed;
    private float[] bias;
    private float[] y;
    private int n;
    private int in;
    private int out;

    @Setup
    public void setup() {
        String[] p = shape.split("x");
        n = Integer.parseInt(p[0]);
        in = Integer.parseInt(p[1]);
        out = Integer.parseInt(p[2]);
        Kernels kernels = Kernels.best();
        matMul = new MatMul(kernels, new WorkerPool(WorkerPool.configuredThreads()));
        SplittableRandom r = new SplittableRandom(42);
        x = new float[n * in];
        float[] w = new float[out * in];
        bias = new float[out];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble(-1, 1);
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextDouble(-0.05, 0.05);
        }
        packed = new float[Packing.packedSize(in, out, kernels.panelWidth())];
        Packing.packTransposed(w, 0, in, out, in, kernels.panelWidth(), packed);
        y = new float[n * out];
    }

    @Benchmark
    public float[] linear() {
        matMul.multiply(x, n, in, packed, out, bias, null, Kernels.PLAIN, y);
        return y;
    }
}
