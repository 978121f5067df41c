package org.qpert.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.JCudaDriver;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.qpert.core.backend.ProjectorProblem.CoveredTokens;
import org.qpert.core.backend.ReferenceCpuBackend;
import org.qpert.core.backend.Segments;
import org.qpert.core.backend.Tensor;
import org.qpert.kernels.Launcher.Grid;

/**
 * GPU: the Q-Perturbation kernels against {@link KernelReferences} and the reference CPU backend on the real model's
 * shapes (T = 257 or 677 tokens, 12 heads × 64), with covered tokens given by the host as in production: weighted keys
 * exact (one float32 product each), moments and Gram matrices within 1e-12 (double sums of the same float products in
 * another order), perturbed queries within 1e-6.
 */
class PerturbationKernelsTest {
    private static final int THREADS = 256;
    private static CudaBackend gpu;
    private final Random rnd = new Random(23);

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

    /** n objects over tokens 1 .. T−1 (token 0 is CLS), every third one small (fewer tokens than d = 64). */
    private List<CoveredTokens> randomObjects(int n, int tokens) {
        List<CoveredTokens> objects = new ArrayList<>();
        for (int b = 0; b < n; b++) {
            int count = b % 3 == 0 ? 1 + rnd.nextInt(40) : 64 + rnd.nextInt(tokens - 65);
            TreeSet<Integer> chosen = new TreeSet<>();
            while (chosen.size() < count) {
                chosen.add(1 + rnd.nextInt(tokens - 1));
            }
            double[] w = new double[count];
            for (int a = 0; a < count; a++) {
                w[a] = rnd.nextInt(8) == 0 ? 1.0 : (float) (0.01 + rnd.nextDouble());
            }
            objects.add(new CoveredTokens(chosen.stream().mapToInt(Integer::intValue).toArray(), w, 8));
        }
        return objects;
    }

    /** The object's weights over all T tokens, as float32 (what the kernel multiplies by). */
    private static float[] denseWeights(CoveredTokens o, int tokens) {
        float[] w = new float[tokens];
        for (int a = 0; a < o.count(); a++) {
            w[o.tokens()[a]] = (float) o.weights()[a];
        }
        return w;
    }

    /**
     * As DeviceMeanProjectors groups them: objects with at least d tokens get R = FᵀF, the small ones the Gram matrix
     * F Fᵀ of order m = their largest count.
     */
    @Test
    void weightedKeysMomentsAndGram() {
        for (int tokens : new int[] {257, 677}) {
            int heads = 12, d = 64, width = heads * d;
            float[] keys = Gpu.random(rnd, tokens * width, 1);
            CudaTensor k = gpu.cuda(gpu.upload(keys, tokens, width), "keys");
            List<CoveredTokens> all = randomObjects(9, tokens);
            for (boolean gram : new boolean[] {false, true}) {
                List<CoveredTokens> objects = all.stream().filter(o -> o.count() < d == gram).toList();
                int n = objects.size();
                int order = gram ? objects.stream().mapToInt(CoveredTokens::count).max().orElseThrow() : d;
                long entries = (long) n * heads * order * order;
                float[] weighted = new float[n * tokens * width];
                double[] products = new double[Math.toIntExact(entries)];
                try (ObjectTokens covered = ObjectTokens.of(gpu, objects, tokens);
                        DeviceScratch scratch = gpu.scratch()) {
                    CUdeviceptr f = scratch.allocate((long) weighted.length * Sizeof.FLOAT);
                    CUdeviceptr a = scratch.allocate(entries * Sizeof.DOUBLE);
                    covered.gatherWeightedKeys(f, k);
                    if (gram) {
                        gpu.kernels().keyGram(new Grid(n, heads, THREADS, 0), a, f, covered.count, tokens, heads, d,
                                order);
                    } else {
                        gpu.kernels().keyMoments(new Grid(n, heads, THREADS, 32 * d * Sizeof.FLOAT), a, f, covered.count,
                                tokens, heads, d);
                    }
                    gpu.synchronize();
                    JCudaDriver.cuMemcpyDtoH(Pointer.to(weighted), f, (long) weighted.length * Sizeof.FLOAT);
                    JCudaDriver.cuMemcpyDtoH(Pointer.to(products), a, entries * Sizeof.DOUBLE);
                }
                double err = 0;
                int per = heads * order * order;
                for (int b = 0; b < n; b++) {
                    CoveredTokens o = objects.get(b);
                    float[] want = KernelReferences.weightedKeys(keys, denseWeights(o, tokens), width);
                    assertArrayEquals(Arrays.copyOf(want, tokens * width),
                            Arrays.copyOfRange(weighted, b * tokens * width, (b + 1) * tokens * width),
                            "F = diag(w)·K of object " + b + " (" + o.count() + " tokens), zeros beyond, T " + tokens);
                    double[] ref = gram ? KernelReferences.keyGram(want, o.count(), heads, d, order)
                            : KernelReferences.keyMoments(want, o.count(), heads, d);
                    err = Math.max(err, Gpu.relativeError(Arrays.copyOfRange(products, b * per, (b + 1) * per), ref));
                }
                Gpu.check((gram ? "key Gram F Fᵀ, order " + order : "key moments R = FᵀF") + ", T=" + tokens + ", " + n
                        + " objects x 12 heads x 64", err, 1e-12);
            }
        }
    }

    /** Three items of 32 queries: items 0 and 2 perturbed by their own P̄, item 1 without one (copied unchanged). */
    @Test
    void perturbedQueriesPerItem() {
        int heads = 12, d = 64, width = heads * d, rows = 96;
        float[] q = Gpu.random(rnd, rows * width, 1), pa = Gpu.random(rnd, width * d, 0.05);
        float[] pb = Gpu.random(rnd, width * d, 0.05);
        Segments items = Segments.uniform(3, 32);
        ReferenceCpuBackend reference = new ReferenceCpuBackend();
        float[] got = gpu.download(gpu.perturbQueries(gpu.upload(q, rows, width), items,
                new Tensor[] {gpu.upload(pa, width, d), null, gpu.upload(pb, width, d)}, heads));
        float[] want = reference.download(reference.perturbQueries(reference.upload(q, rows, width), items,
                new Tensor[] {reference.upload(pa, width, d), null, reference.upload(pb, width, d)}, heads));
        Gpu.check("q' = q + P̄q [3 x 32, 768], 12 heads", Gpu.relativeError(got, want), 1e-6);
        assertArrayEquals(Arrays.copyOfRange(q, 32 * width, 64 * width), Arrays.copyOfRange(got, 32 * width, 64 * width),
                "queries of the item without P̄ are unchanged");
    }
}
