package org.qpert.kernels;

import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.JCudaDriver;
import org.qpert.core.backend.BackendChecks;
import org.qpert.core.backend.Tensor;
import org.qpert.core.qpert.Box;

/**
 * The Q-Perturbation steps on the device (spec/QPERT.md §3–6): token weights of boxes, weighted keys F = diag(w)·K,
 * their second moments R = FᵀF per head (or the Gram matrices F Fᵀ of small objects), and the perturbation folded into
 * the query projection, W'q = (I + P̄)·Wq and b'q = (I + P̄)·bq per head. The eigendecompositions in between run
 * through {@link CudaBackend#symmetricEigen}.
 */
public final class PerturbationKernels {
    private static final int THREADS = 256;
    private final CudaBackend backend;

    public PerturbationKernels(CudaBackend backend) {
        this.backend = backend;
    }

    /**
     * Token weights (MASK_RESIZE, the rule of {@link org.qpert.core.qpert.TokenCoverage}) of {@code boxes} [n·4] = x0,
     * y0, x1, y1 in original pixels, on images of original {@code sizes} [n·2] = H, W, preprocessed to imageSize² with
     * patches of {@code patch}. Each box is clipped to its image by {@link Box#clipTo} (which rejects one outside it).
     */
    public ObjectTokens tokenWeights(float[] boxes, int[] sizes, int imageSize, int patch) {
        int n = boxes.length / 4;
        if (boxes.length != 4 * n || sizes.length != 2 * n || n == 0) {
            throw new IllegalArgumentException("boxes (" + boxes.length + " values) and sizes (" + sizes.length
                    + " values) must describe the same positive number of boxes, 4 and 2 values each");
        }
        if (patch <= 0 || imageSize < patch || imageSize % patch != 0) {
            throw new IllegalArgumentException("image size " + imageSize + " is not a positive multiple of patch " + patch);
        }
        double[] clipped = new double[4 * n];
        for (int i = 0; i < n; i++) {
            Box b = new Box(boxes[4 * i], boxes[4 * i + 1], boxes[4 * i + 2], boxes[4 * i + 3])
                    .clipTo(sizes[2 * i], sizes[2 * i + 1]);
            clipped[4 * i] = b.x0();
            clipped[4 * i + 1] = b.y0();
            clipped[4 * i + 2] = b.x1();
            clipped[4 * i + 3] = b.y1();
        }
        int g = imageSize / patch, tokens = 1 + g * g;
        CudaContext ctx = backend.context();
        ctx.enter();
        ObjectTokens out = new ObjectTokens(backend, n, tokens);
        try (DeviceScratch scratch = backend.scratch()) {
            backend.kernels().tokenCoverage(new Launcher.Grid(n, 1, 1024, 2 * imageSize), out.weights, out.count,
                    out.index, out.compact, scratch.upload(clipped), scratch.upload(sizes), imageSize, patch);
        }
        return out;
    }

    /** F [boxes·T, width]: for box b, rows b·T .. b·T + count_b − 1 hold w·K of its covered tokens; the rest are 0. */
    public Tensor weightedKeys(ObjectTokens tokens, Tensor keys) {
        CudaTensor k = backend.cuda(keys, "keys");
        if (k.rows() != tokens.tokens) {
            throw new IllegalArgumentException("keys " + k.shape() + " do not have one row per token (" + tokens.tokens
                    + ")");
        }
        CudaContext ctx = backend.context();
        ctx.enter();
        CudaTensor f = backend.allocate(tokens.boxes * tokens.tokens, k.cols());
        gatherWeightedKeys(f.ptr(), tokens, k);
        return f;
    }

    /** Writes F of {@code tokens} and {@code keys} into {@code f} [boxes·T, width] (zeros beyond each box's count). */
    void gatherWeightedKeys(CUdeviceptr f, ObjectTokens tokens, CudaTensor keys) {
        tokens.requireOpen();
        JCudaDriver.cuMemsetD32Async(f, 0, (long) tokens.boxes * tokens.tokens * keys.cols(), backend.context().stream);
        backend.kernels().gatherWeightedKeys(new Launcher.Grid(tokens.tokens, tokens.boxes, THREADS, 0), f,
                keys.ptr(), tokens.index, tokens.compact, tokens.count, tokens.tokens, keys.cols());
    }

    /** R = F_hᵀF_h per box and head, in double: [boxes, heads, d, d]. */
    public double[] keyMoments(ObjectTokens tokens, Tensor weightedKeys, int heads) {
        CudaTensor f = backend.cuda(weightedKeys, "weighted keys");
        int d = headSize(f, heads);
        CudaContext ctx = backend.context();
        ctx.enter();
        tokens.requireOpen();
        long entries = (long) tokens.boxes * heads * d * d;
        try (DeviceScratch scratch = backend.scratch()) {
            CUdeviceptr r = scratch.allocate(entries * Sizeof.DOUBLE);
            backend.kernels().keyMoments(new Launcher.Grid(tokens.boxes, heads, THREADS, 32 * d * Sizeof.FLOAT), r,
                    f.ptr(), tokens.count, tokens.tokens, heads, d);
            return downloadDoubles(r, entries);
        }
    }

    /** G = F_hF_hᵀ per box and head, zero-padded to m×m (m ≥ every box's count): [boxes, heads, m, m]. */
    public double[] keyGram(ObjectTokens tokens, Tensor weightedKeys, int heads, int m) {
        CudaTensor f = backend.cuda(weightedKeys, "weighted keys");
        int d = headSize(f, heads);
        if (m <= 0) {
            throw new IllegalArgumentException("Gram order must be positive, got " + m);
        }
        for (int c : tokens.counts()) {
            if (c > m) {
                throw new IllegalArgumentException("Gram order " + m + " is smaller than a box's " + c + " tokens");
            }
        }
        CudaContext ctx = backend.context();
        ctx.enter();
        long entries = (long) tokens.boxes * heads * m * m;
        try (DeviceScratch scratch = backend.scratch()) {
            CUdeviceptr g = scratch.allocate(entries * Sizeof.DOUBLE);
            backend.kernels().keyGram(new Launcher.Grid(tokens.boxes, heads, THREADS, 0), g, f.ptr(), tokens.count,
                    tokens.tokens, heads, d, m);
            return downloadDoubles(g, entries);
        }
    }

    private int headSize(CudaTensor f, int heads) {
        if (heads <= 0 || f.cols() % heads != 0 || f.cols() / heads > 128) {
            throw new IllegalArgumentException("weighted keys " + f.shape() + " do not split into " + heads
                    + " heads of at most 128");
        }
        return f.cols() / heads;
    }

    private double[] downloadDoubles(CUdeviceptr src, long entries) {
        double[] out = new double[Math.toIntExact(entries)];
        backend.context().synchronize();
        JCudaDriver.cuMemcpyDtoH(Pointer.to(out), src, entries * Sizeof.DOUBLE);
        return out;
    }

    /** W'q = (I + P̄)·Wq per head: wq [heads·d, in] (Linear layout), pbar [heads·d, d]. */
    public Tensor foldQueryWeight(Tensor wq, Tensor pbar, int heads) {
        CudaTensor w = backend.cuda(wq, "query weight");
        int d = pbarHeadSize(pbar, w.rows(), heads);
        backend.context().enter();
        CudaTensor y = backend.allocate(w.rows(), w.cols());
        int in = w.cols();
        backend.kernels().perturbHeads(new Launcher.Grid(blocks((long) d * in), heads, THREADS, 0), y.ptr(),
                w.f32("query weight"),
                backend.cuda(pbar, "P̄").ptr(), heads, d, in, in, 1L);
        return y;
    }

    /** b'q = (I + P̄)·bq per head: bq [1, heads·d]. */
    public Tensor foldQueryBias(Tensor bq, Tensor pbar, int heads) {
        return backend.perturbQueries(bq, pbar, heads);
    }

    private static int pbarHeadSize(Tensor pbar, int width, int heads) {
        if (heads <= 0 || width % heads != 0) {
            throw new IllegalArgumentException("query width " + width + " not divisible by " + heads + " heads");
        }
        int d = width / heads;
        BackendChecks.requireShape("P̄", pbar, width, d);
        return d;
    }

    private static int blocks(long n) {
        return (int) Math.max(1, (n + THREADS - 1) / THREADS);
    }
}
