package org.qpert.core.backend;

import org.qpert.core.backend.cpu.Attention;
import org.qpert.core.backend.cpu.KernelWarmUp;
import org.qpert.core.backend.cpu.Kernels;
import org.qpert.core.backend.cpu.MatMul;
import org.qpert.core.backend.cpu.Packing;
import org.qpert.core.backend.cpu.WorkerPool;

/**
 * The CPU backend: heap tensors, weights packed at load ({@link PackedWeight}), matrix products and attention on the
 * register-tiled kernels of {@link Kernels} (Vector API when the JVM has {@code jdk.incubator.vector}, else scalar)
 * across one shared pool of one worker per core ({@code -Dqpert.threads=N} to change). Layer-norm statistics and
 * softmax sums reduce in float lanes and finish in double; the plain scalar reference lives in the tests and every op
 * is compared against it there.
 */
public class CpuBackend implements Backend {
    /** Rows per parallel task of the row-wise ops (layer norm, GELU, add). */
    private static final int ROWS_PER_TASK = 16;
    private static volatile WorkerPool sharedPool;

    private final Kernels kernels;
    private final WorkerPool pool;
    private final MatMul matMul;
    private final Attention attention;
    private final WeightArena arena = new WeightArena();
    private final FloatArrayPool arrays = FloatArrayPool.sizedForHeap();

    /** The fastest kernels this JVM supports, on the shared worker pool. */
    public CpuBackend() {
        this(Kernels.best());
    }

    /** Given kernels (e.g. {@code new CpuBackend(Kernels.scalar())} to test the fallback), on the shared pool. */
    public CpuBackend(Kernels kernels) {
        this.kernels = kernels;
        this.pool = sharedPool();
        this.matMul = new MatMul(kernels, pool);
        this.attention = new Attention(kernels, pool);
    }

    private static WorkerPool sharedPool() {
        WorkerPool p = sharedPool;
        if (p == null) {
            synchronized (CpuBackend.class) {
                p = sharedPool;
                if (p == null) {
                    p = new WorkerPool(WorkerPool.configuredThreads());
                    sharedPool = p;
                }
            }
        }
        return p;
    }

    @Override
    public String name() {
        return "cpu";
    }

    /** Kernels and threads, for logs and benchmark reports. */
    public String describe() {
        return "cpu (" + kernels.describe() + ", " + pool.threads() + " threads)";
    }

    static CpuTensor cpu(Tensor t) {
        if (t instanceof CpuTensor c) {
            return c;
        }
        if (t instanceof PackedWeight w) {
            return new CpuTensor(w.unpack(), w.rows(), w.cols());
        }
        throw new IllegalArgumentException("tensor " + t + " does not belong to the CPU backend");
    }

    /** A result tensor whose array returns to {@link #arrays} when it closes. */
    private CpuTensor tensor(float[] y, int rows, int cols) {
        return new CpuTensor(y, rows, cols, arrays);
    }

    static float[] data(Tensor t) {
        return cpu(t).data();
    }

    @Override
    public Tensor upload(float[] data, int rows, int cols) {
        BackendChecks.upload(data, rows, cols);
        float[] copy = arrays.take(data.length);
        System.arraycopy(data, 0, copy, 0, data.length);
        return tensor(copy, rows, cols);
    }

    /** Packed into panels in the stored type: a 16-bit weight stays 16-bit (half the bytes per product). */
    @Override
    public Tensor weight(WeightData w) {
        KernelWarmUp.startOnce(kernels);   // a model is loading: compile the kernels meanwhile (when turned on)
        return PackedWeight.of(w, kernels.panelWidth(), pool, arena);
    }

    @Override
    public float[] download(Tensor t) {
        return t instanceof PackedWeight w ? w.unpack() : data(t).clone();
    }

    @Override
    public Tensor linear(Tensor x, Tensor w, Tensor b) {
        return product(x, w, b, null, Kernels.PLAIN);
    }

    @Override
    public Tensor linearGelu(Tensor x, Tensor w, Tensor b) {
        return product(x, w, b, null, Kernels.GELU);
    }

    @Override
    public Tensor linearQuickGelu(Tensor x, Tensor w, Tensor b) {
        return product(x, w, b, null, Kernels.QUICK_GELU);
    }

    @Override
    public Tensor quickGelu(Tensor x) {
        float[] xs = data(x), y = arrays.take(xs.length);
        int c = x.cols();
        forRowBlocks(x.rows(), (r0, r1) -> {
            for (int i = r0 * c; i < r1 * c; i++) {
                y[i] = QuickGelu.apply(xs[i]);
            }
        });
        return tensor(y, x.rows(), c);
    }

    @Override
    public Tensor linearResidual(Tensor x, Tensor w, Tensor b, Tensor residual) {
        return product(x, w, b, residual, Kernels.RESIDUAL);
    }

    private Tensor product(Tensor x, Tensor w, Tensor b, Tensor residual, int epilogue) {
        BackendChecks.linear(x, w, b, residual);
        int n = x.rows(), in = x.cols(), out = w.rows();
        PackedWeight pw = w instanceof PackedWeight p && p.panelWidth == kernels.panelWidth()
                ? p : PackedWeight.of(data(w), out, in, kernels.panelWidth());
        float[] y = arrays.take(Math.multiplyExact(n, out));
        float[] bias = b == null ? null : data(b), res = residual == null ? null : data(residual);
        if (pw.packed16 != null) {
            matMul.multiply16(data(x), n, in, pw.packed16, pw.offset16, pw.dtype() == DType.F16, out, bias, res, epilogue,
                    y);
        } else {
            matMul.multiply(data(x), n, in, pw.packed, out, bias, res, epilogue, y);
        }
        return tensor(y, n, out);
    }

    @Override
    public Tensor add(Tensor a, Tensor b) {
        BackendChecks.add(a, b);
        float[] x = data(a), z = data(b), y = arrays.take(x.length);
        int c = a.cols();
        forRowBlocks(a.rows(), (r0, r1) -> kernels.add(x, z, y, r0 * c, (r1 - r0) * c));
        return tensor(y, a.rows(), c);
    }

    @Override
    public Tensor addRow(Tensor x, Tensor row) {
        BackendChecks.addRow(x, row);
        float[] xs = data(x), r = data(row), y = arrays.take(xs.length);
        int c = x.cols();
        for (int i = 0; i < y.length; i++) {
            y[i] = xs[i] + r[i % c];
        }
        return tensor(y, x.rows(), c);
    }

    @Override
    public Tensor gelu(Tensor x) {
        float[] xs = data(x), y = arrays.take(xs.length);
        int c = x.cols();
        forRowBlocks(x.rows(), (r0, r1) -> kernels.gelu(xs, r0 * c, y, r0 * c, (r1 - r0) * c));
        return tensor(y, x.rows(), c);
    }

    @Override
    public Tensor layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps) {
        BackendChecks.layerNorm(x, null, gamma, beta);
        return normalize(x, null, gamma, beta, eps);
    }

    @Override
    public Tensor addLayerNorm(Tensor x, Tensor residual, Tensor gamma, Tensor beta, float eps) {
        BackendChecks.layerNorm(x, residual, gamma, beta);
        return normalize(x, residual, gamma, beta, eps);
    }

    private Tensor normalize(Tensor x, Tensor residual, Tensor gamma, Tensor beta, float eps) {
        int n = x.rows(), d = x.cols();
        float[] xs = data(x), r = residual == null ? null : data(residual), g = data(gamma), b = data(beta);
        float[] y = arrays.take(xs.length);
        forRowBlocks(n, (r0, r1) -> {
            for (int i = r0; i < r1; i++) {
                kernels.layerNormRow(xs, r, i * d, d, g, b, eps, y);
            }
        });
        return tensor(y, n, d);
    }

    @Override
    public Tensor rmsNorm(Tensor x, Tensor gamma, float eps) {
        BackendChecks.rmsNorm(x, gamma);
        int d = x.cols();
        float[] xs = data(x), g = data(gamma), y = arrays.take(xs.length);
        forRowBlocks(x.rows(), (r0, r1) -> {
            for (int i = r0; i < r1; i++) {
                RowOps.rmsNorm(xs, i * d, d, g, eps, y);
            }
        });
        return tensor(y, x.rows(), d);
    }

    @Override
    public Tensor rotary(Tensor x, int heads, int[] positions, double base) {
        int d = BackendChecks.rotary(x, heads, positions);
        float[] xs = data(x), y = arrays.take(xs.length);
        forRowBlocks(x.rows(), (r0, r1) -> RowOps.rotary(xs, y, x.rows(), x.cols(), heads, d, positions, base, r0,
                r1));
        return tensor(y, x.rows(), x.cols());
    }

    @Override
    public Tensor swiGlu(Tensor gateUp) {
        BackendChecks.swiGlu(gateUp);
        int f = gateUp.cols() / 2;
        float[] xs = data(gateUp), y = arrays.take(Math.multiplyExact(gateUp.rows(), f));
        forRowBlocks(gateUp.rows(), (r0, r1) -> RowOps.swiGlu(xs, y, f, r0, r1));
        return tensor(y, gateUp.rows(), f);
    }

    @Override
    public Tensor scaledResidual(Tensor x, Tensor scale, Tensor residual) {
        BackendChecks.scaledResidual(x, scale, residual);
        float[] xs = data(x), s = data(scale), r = data(residual), y = arrays.take(xs.length);
        forRowBlocks(x.rows(), (r0, r1) -> RowOps.scaledResidual(xs, s, r, y, x.cols(), r0, r1));
        return tensor(y, x.rows(), x.cols());
    }

    @Override
    public Tensor attention(Tensor q, Tensor k, Tensor v, int heads, float scale, Segments querySegments,
                            Segments keySegments, Tensor keyBias) {
        BatchShapes.attention(q, k, v, heads, querySegments, keySegments, keyBias);
        int n = querySegments.count();
        int[] qStart = new int[n], qLength = new int[n], kStart = new int[n], kLength = new int[n];
        for (int i = 0; i < n; i++) {
            qStart[i] = querySegments.start(i);
            qLength[i] = querySegments.length(i);
            kStart[i] = keySegments.start(i);
            kLength[i] = keySegments.length(i);
        }
        float[] y = arrays.take(Math.multiplyExact(q.rows(), q.cols()));
        attention.attend(data(q), data(k), data(v), q.cols(), heads, scale, qStart, qLength, kStart, kLength,
                keyBias == null ? null : data(keyBias), y);
        return tensor(y, q.rows(), q.cols());
    }

    /** A body over rows r0..r1-1. */
    private interface RowRange {
        void run(int r0, int r1);
    }

    private void forRowBlocks(int rows, RowRange body) {
        int blocks = (rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK;
        pool.parallelFor(blocks, (worker, blk) -> body.run(blk * ROWS_PER_TASK,
                Math.min(rows, (blk + 1) * ROWS_PER_TASK)));
    }

    @Override
    public Tensor l2Normalize(Tensor x) {
        int n = x.rows(), d = x.cols();
        float[] xs = data(x), y = arrays.take(xs.length);
        for (int i = 0; i < n; i++) {
            double ss = 0;
            for (int k = 0; k < d; k++) {
                ss += (double) xs[i * d + k] * xs[i * d + k];
            }
            double norm = Math.max(Math.sqrt(ss), 1e-12);
            for (int k = 0; k < d; k++) {
                y[i * d + k] = (float) (xs[i * d + k] / norm);
            }
        }
        return tensor(y, n, d);
    }

    @Override
    public Tensor sliceRows(Tensor x, int from, int to) {
        BackendChecks.sliceRows(x, from, to);
        int c = x.cols();
        float[] y = arrays.take((to - from) * c);
        System.arraycopy(data(x), from * c, y, 0, y.length);
        return tensor(y, to - from, c);
    }

    @Override
    public Tensor sliceCols(Tensor x, int from, int to) {
        BackendChecks.sliceCols(x, from, to);
        int n = x.rows(), c = x.cols(), w = to - from;
        float[] xs = data(x), y = arrays.take(n * w);
        for (int i = 0; i < n; i++) {
            System.arraycopy(xs, i * c + from, y, i * w, w);
        }
        return tensor(y, n, w);
    }

    @Override
    public Tensor concatRows(Tensor a, Tensor b) {
        BackendChecks.concatRows(a, b);
        float[] x = data(a), z = data(b), y = arrays.take(x.length + z.length);
        System.arraycopy(x, 0, y, 0, x.length);
        System.arraycopy(z, 0, y, x.length, z.length);
        return tensor(y, a.rows() + b.rows(), a.cols());
    }

    @Override
    public Tensor concatRows(java.util.List<Tensor> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("nothing to stack");
        }
        int c = parts.get(0).cols();
        long rows = 0;
        for (Tensor t : parts) {
            BackendChecks.requireCols("concatenated rows", t, c);
            rows += t.rows();
        }
        float[] y = arrays.take(Math.toIntExact(rows * c));
        int at = 0;
        for (Tensor t : parts) {
            float[] x = data(t);
            System.arraycopy(x, 0, y, at, x.length);
            at += x.length;
        }
        return tensor(y, (int) rows, c);
    }

    @Override
    public Tensor gatherRows(Tensor table, int[] ids) {
        BackendChecks.gatherRows(table, ids);
        int c = table.cols();
        float[] t = data(table), y = arrays.take(ids.length * c);
        for (int i = 0; i < ids.length; i++) {
            System.arraycopy(t, ids[i] * c, y, i * c, c);
        }
        return tensor(y, ids.length, c);
    }

    @Override
    public Tensor meanRows(Tensor x, Segments segments) {
        BatchShapes.meanRows(x, segments);
        int c = x.cols(), n = segments.count();
        float[] xs = data(x), y = arrays.take(Math.multiplyExact(n, c));
        for (int seg = 0; seg < n; seg++) {
            int r0 = segments.start(seg), rows = segments.length(seg);
            for (int k = 0; k < c; k++) {
                double s = 0;
                for (int i = r0; i < r0 + rows; i++) {
                    s += xs[i * c + k];
                }
                y[seg * c + k] = (float) (s / rows);
            }
        }
        return tensor(y, n, c);
    }

    @Override
    public Tensor perturbQueries(Tensor q, Segments segments, Tensor[] pbar, int heads) {
        int d = BatchShapes.perturbQueries(q, segments, pbar, heads), width = q.cols();
        float[] qs = data(q), y = arrays.take(qs.length);
        System.arraycopy(qs, 0, y, 0, qs.length);
        int nr = kernels.panelWidth(), panels = Packing.panels(d, nr), n = segments.count();
        float[][] p = new float[n][];
        for (int seg = 0; seg < n; seg++) {
            p[seg] = pbar[seg] == null ? null : data(pbar[seg]);
        }
        // Per segment and head q_h' = q_h·P̄_hᵀ + q_h: the matmul kernel with P̄_h as the weight and q as the residual.
        pool.parallelFor(Math.multiplyExact(n, heads), (worker, task) -> {
            int seg = task / heads, h = task % heads, rows = segments.length(seg);
            if (p[seg] == null || rows == 0) {
                return;
            }
            float[] packed = new float[Packing.packedSize(d, d, nr)];
            Packing.packTransposed(p[seg], h * d * d, d, d, d, nr, packed);
            int o = segments.start(seg) * width + h * d;
            for (int pn = 0; pn < panels; pn++) {
                kernels.panel(qs, o, width, rows, d, packed, pn * nr * d, y, o + pn * nr, width,
                        Math.min(nr, d - pn * nr), null, 0, qs, Kernels.RESIDUAL);
            }
        });
        return tensor(y, q.rows(), width);
    }

    /** Tridiagonal QL: 8x faster than Jacobi at order 64, same results to 1e-12 (bench/RESULTS.md). */
    /** The host path of {@link Backend#meanProjectors} with this backend's (Vector API) float loops. */
    @Override
    public MeanProjectors meanProjectors(ProjectorProblem problem) {
        return HostMeanProjectors.solve(this, problem, kernels);
    }

    @Override
    public SymmetricEigen symmetricEigen(double[] matrices, int count, int n) {
        BackendChecks.symmetricEigen(matrices, count, n);
        SymmetricEigen out = TridiagonalEigen.allocate(matrices, count, n);
        int chunks = Math.min(count, pool.threads());
        pool.parallelFor(chunks, (worker, c) -> TridiagonalEigen.solveRange(matrices, n, c * count / chunks,
                (c + 1) * count / chunks, out));
        return out;
    }
}
