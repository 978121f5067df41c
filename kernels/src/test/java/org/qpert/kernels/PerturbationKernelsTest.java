package org.qpert.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.qpert.core.backend.ReferenceCpuBackend;
import org.qpert.core.backend.Tensor;
import org.qpert.core.backend.WeightData;
import org.qpert.core.model.blip2.Blip2Retrieval;

/**
 * GPU: the Q-Perturbation kernels against {@link KernelReferences} and the CPU backend on the real model's shapes
 * (T = 257 or 677 tokens, 12 heads × 64): token weights exact, moments and Gram matrices within 1e-12 (double sums of
 * the same float products in another order), folded weights and perturbed queries within 1e-6, ITC scores 1e-5.
 */
class PerturbationKernelsTest {
    private static CudaBackend gpu;
    private static PerturbationKernels kernels;
    private final Random rnd = new Random(23);

    @BeforeAll
    static void open() {
        gpu = Gpu.open(Precision.F32, true);
        kernels = new PerturbationKernels(gpu);
    }

    @AfterAll
    static void close() {
        if (gpu != null) {
            gpu.close();
        }
    }

    /** Random boxes (a third of them small), on random original sizes. */
    private float[][] randomBoxes(int n) {
        float[] boxes = new float[4 * n];
        float[] sizes = new float[2 * n];
        for (int b = 0; b < n; b++) {
            int h = 100 + rnd.nextInt(900), w = 100 + rnd.nextInt(900);
            float bw = (float) (w * (b % 3 == 0 ? 0.02 + 0.05 * rnd.nextDouble() : 0.1 + 0.8 * rnd.nextDouble()));
            float bh = (float) (h * (b % 3 == 0 ? 0.02 + 0.05 * rnd.nextDouble() : 0.1 + 0.8 * rnd.nextDouble()));
            float x0 = (float) (rnd.nextDouble() * (w - bw)), y0 = (float) (rnd.nextDouble() * (h - bh));
            boxes[4 * b] = x0;
            boxes[4 * b + 1] = y0;
            boxes[4 * b + 2] = x0 + bw;
            boxes[4 * b + 3] = y0 + bh;
            sizes[2 * b] = h;
            sizes[2 * b + 1] = w;
        }
        return new float[][] {boxes, sizes};
    }

    private static int[] ints(float[] x) {
        int[] out = new int[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (int) x[i];
        }
        return out;
    }

    @Test
    void tokenWeightsMomentsAndGram() {
        for (int s : new int[] {224, 364}) {
            int n = 12, p = 14, g = s / p, tokens = 1 + g * g, heads = 12, d = 64, width = heads * d;
            float[][] bs = randomBoxes(n);
            int[] sizes = ints(bs[1]);
            ObjectTokens ot = kernels.tokenWeights(bs[0], sizes, s, p);
            float[] weights = ot.weights();
            int[] counts = ot.counts();
            float[] keys = Gpu.random(rnd, tokens * width, 1);
            Tensor k = gpu.upload(keys, tokens, width);
            double[] moments = kernels.keyMoments(ot, kernels.weightedKeys(ot, k), heads);
            double momentErr = 0;
            for (int b = 0; b < n; b++) {
                float[] want = KernelReferences.tokenWeights(bs[0][4 * b], bs[0][4 * b + 1], bs[0][4 * b + 2],
                        bs[0][4 * b + 3], sizes[2 * b], sizes[2 * b + 1], s, p);
                assertArrayEquals(want, Arrays.copyOfRange(weights, b * tokens, (b + 1) * tokens), "box " + b + ", S " + s);
                float[] fb = KernelReferences.weightedKeys(keys, want, width);
                assertEquals(fb.length / width, counts[b], "covered tokens of box " + b);
                momentErr = Math.max(momentErr, Gpu.relativeError(
                        Arrays.copyOfRange(moments, b * heads * d * d, (b + 1) * heads * d * d),
                        KernelReferences.keyMoments(fb, counts[b], heads, d)));
            }
            Gpu.check("key moments R = FᵀF, S=" + s + ", 12 boxes x 12 heads x 64", momentErr, 1e-12);

            // the Gram shortcut is for small objects: the boxes made small above (every third)
            int small = (n + 2) / 3;
            float[] smallBoxes = new float[4 * small];
            int[] smallSizes = new int[2 * small];
            for (int b = 0; b < small; b++) {
                System.arraycopy(bs[0], 4 * 3 * b, smallBoxes, 4 * b, 4);
                System.arraycopy(sizes, 2 * 3 * b, smallSizes, 2 * b, 2);
            }
            ObjectTokens st = kernels.tokenWeights(smallBoxes, smallSizes, s, p);
            int[] smallCounts = st.counts();
            int m = Math.max(1, Arrays.stream(smallCounts).max().orElse(1));
            double[] gram = kernels.keyGram(st, kernels.weightedKeys(st, k), heads, m);
            double gramErr = 0;
            for (int b = 0; b < small; b++) {
                float[] w = Arrays.copyOfRange(st.weights(), b * tokens, (b + 1) * tokens);
                gramErr = Math.max(gramErr, Gpu.relativeError(
                        Arrays.copyOfRange(gram, b * heads * m * m, (b + 1) * heads * m * m),
                        KernelReferences.keyGram(KernelReferences.weightedKeys(keys, w, width), smallCounts[b], heads, d,
                                m)));
            }
            Gpu.check("key Gram F Fᵀ, S=" + s + ", " + small + " small boxes, order " + m, gramErr, 1e-12);
        }
    }

    @Test
    void foldedQueryWeightAndPerturbedQueries() {
        int heads = 12, d = 64, width = heads * d, in = 768;
        float[] wq = Gpu.random(rnd, width * in, 1 / Math.sqrt(in)), bq = Gpu.random(rnd, width, 0.1);
        float[] pbar = Gpu.random(rnd, width * d, 0.05), q = Gpu.random(rnd, 32 * width, 1);
        Tensor gp = gpu.upload(pbar, width, d);
        Gpu.check("W'q = (I + P̄)Wq [768, 768], 12 heads",
                Gpu.relativeError(gpu.download(kernels.foldQueryWeight(gpu.weight(WeightData.f32(wq, width, in)), gp, heads)),
                        KernelReferences.foldQueryWeight(wq, pbar, heads, d, in)), 1e-6);
        ReferenceCpuBackend reference = new ReferenceCpuBackend();
        Tensor cp = reference.upload(pbar, width, d);
        Gpu.check("b'q = (I + P̄)bq [1, 768]",
                Gpu.relativeError(gpu.download(kernels.foldQueryBias(gpu.upload(bq, 1, width), gp, heads)),
                        reference.download(reference.perturbQueries(reference.upload(bq, 1, width), cp, heads))), 1e-6);
        Gpu.check("q' = q + P̄q [32, 768]",
                Gpu.relativeError(gpu.download(gpu.perturbQueries(gpu.upload(q, 32, width), gp, heads)),
                        reference.download(reference.perturbQueries(reference.upload(q, 32, width), cp, heads))), 1e-6);
    }

    @Test
    void itcMaxOverQueries() {
        int images = 7, queries = 32, e = 256, texts = 45;
        ReferenceCpuBackend reference = new ReferenceCpuBackend();
        float[] img = reference.download(reference.l2Normalize(reference.upload(Gpu.random(rnd, images * queries * e, 1), images * queries, e)));
        float[] txt = reference.download(reference.l2Normalize(reference.upload(Gpu.random(rnd, texts * e, 1), texts, e)));
        float[] got = gpu.itcMaxScores(gpu.upload(img, images * queries, e), queries, gpu.upload(txt, texts, e));
        float[] want = new float[images * texts];
        for (int i = 0; i < images; i++) {
            for (int t = 0; t < texts; t++) {
                want[i * texts + t] = Blip2Retrieval.itc(Arrays.copyOfRange(img, i * queries * e, (i + 1) * queries * e),
                        Arrays.copyOfRange(txt, t * e, (t + 1) * e));
            }
        }
        Gpu.check("ITC max over 32 queries, 7 images x 45 texts", Gpu.relativeError(got, want), 1e-5);
    }
}
