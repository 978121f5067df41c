package org.qpert.kernels;

import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUDA_MEMCPY2D;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUmemorytype;
import jcuda.driver.JCudaDriver;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.BackendChecks;
import org.qpert.core.backend.BatchShapes;
import org.qpert.core.backend.DType;
import org.qpert.core.backend.JacobiEigen;
import org.qpert.core.backend.MeanProjectors;
import org.qpert.core.backend.ProjectorProblem;
import org.qpert.core.backend.Segments;
import org.qpert.core.backend.SymmetricEigen;
import org.qpert.core.backend.Tensor;
import org.qpert.core.backend.WeightData;

/**
 * The GPU backend: our PTX kernels through the JCuda driver API, with cuBLAS for matrix products and cuSOLVER for
 * small eigenproblems when their libraries load (one log line at start says which path runs and why). Weights are
 * uploaded once; every tensor owns its device buffer until it is closed ({@link CudaTensor#close}), temporaries of an
 * op are returned when the op has queued its work ({@link DeviceScratch}). Every op is checked against
 * {@link org.qpert.core.backend.CpuBackend} by the kernel tests.
 *
 * <p>All work goes to one stream, so ops from several threads are ordered as issued; downloads wait for it.
 */
public final class CudaBackend implements Backend {
    private static final System.Logger LOG = System.getLogger(CudaBackend.class.getName());
    private static final int THREADS = 256;

    /**
     * @param precision       arithmetic of the matrix products
     * @param debug           synchronize and check after every kernel launch (slow; names the failing kernel)
     * @param vendorLibraries try cuBLAS and cuSOLVER before falling back to our own kernels
     */
    public record Options(Precision precision, boolean debug, boolean vendorLibraries) {
        public Options {
            if (precision == null) {
                throw new IllegalArgumentException("precision must be given (F32, TF32 or BF16)");
            }
        }

        /** F32, cuBLAS/cuSOLVER when present, debug checks when {@code -Dqpert.cuda.debug=true}. */
        public static Options defaults() {
            return new Options(Precision.F32, Boolean.getBoolean("qpert.cuda.debug"), true);
        }

        public Options withPrecision(Precision p) {
            return new Options(p, debug, vendorLibraries);
        }
    }

    private final Options options;
    private final CudaContext ctx;
    private final DeviceAllocator allocator;
    private final Kernels kernels;
    private final MatMul matmul;
    private final JacobiKernelEigen jacobi;
    private final CusolverEigen cusolver;
    private final DeviceMeanProjectors projectors;
    private final String paths;

    /** Opens device 0, or throws {@link IllegalStateException} with the reason CUDA cannot be used here. */
    public static CudaBackend open(Options options) {
        CudaAvailability a = CudaAvailability.probe();
        if (!a.available()) {
            throw new IllegalStateException("CUDA backend unavailable: " + a.reason());
        }
        return new CudaBackend(options);
    }

    private CudaBackend(Options options) {
        this.options = options;
        this.ctx = new CudaContext(options.debug());
        this.allocator = new DeviceAllocator();
        this.kernels = new Kernels(ctx);
        String cublasProblem = options.vendorLibraries() ? VendorLibraries.cublasProblem() : "cuBLAS: not requested";
        MatMul mm = null;
        if (cublasProblem == null) {
            try {
                mm = new CublasMatMul(this, options.precision());
            } catch (RuntimeException e) {  // the library loaded but does not start (e.g. no CUDA 12 support)
                cublasProblem = "cuBLAS: " + e.getMessage();
            }
        }
        this.matmul = mm != null ? mm : new KernelMatMul(this, options.precision());
        String cusolverProblem = options.vendorLibraries() ? VendorLibraries.cusolverProblem()
                : "cuSOLVER: not requested";
        CusolverEigen solver = null;
        if (cusolverProblem == null) {
            try {
                solver = new CusolverEigen(this);
            } catch (RuntimeException e) {
                cusolverProblem = "cuSOLVER: " + e.getMessage();
            }
        }
        this.cusolver = solver;
        this.jacobi = new JacobiKernelEigen(this);
        this.projectors = new DeviceMeanProjectors(this, cusolver, jacobi);
        this.paths = "GEMM: " + matmul.describe() + (cublasProblem == null ? "" : " because " + cublasProblem)
                + "; eigen: " + (cusolver != null ? "cuSOLVER syevjBatched for n <= 32, own Jacobi kernel above"
                        : "own Jacobi kernel because " + cusolverProblem);
        LOG.log(System.Logger.Level.INFO, "cuda: " + ctx.deviceName + " (" + CudaContext.PTX_TARGET
                + " PTX JIT-compiled for sm_" + ctx.computeCapability + ", debug " + options.debug() + "); " + paths);
    }

    @Override
    public String name() {
        return "cuda:0";
    }

    /** Which implementations run (cuBLAS or own GEMM, cuSOLVER or own Jacobi) and why: the start-up log line. */
    public String paths() {
        return paths;
    }

    CudaContext context() {
        return ctx;
    }

    DeviceAllocator allocator() {
        return allocator;
    }

    Kernels kernels() {
        return kernels;
    }

    DeviceScratch scratch() {
        return new DeviceScratch(allocator);
    }

    /** Device memory owned by open tensors and scratch buffers, in bytes (returned buffers are not counted). */
    public long liveDeviceBytes() {
        return allocator.liveBytes();
    }

    /** Waits until all queued work is done (for timing). */
    public void synchronize() {
        ctx.enter();
        ctx.synchronize();
    }

    CudaTensor cuda(Tensor t, String what) {
        if (t instanceof CudaTensor c && c.ownedBy(this)) {
            return c;
        }
        throw new IllegalArgumentException(what + " " + t + " does not belong to this CUDA backend");
    }

    private CudaTensor cudaOrNull(Tensor t, String what) {
        return t == null ? null : cuda(t, what);
    }

    /** The buffer of an optional operand: null for none. */
    static CUdeviceptr ptr(CudaTensor t) {
        return t == null ? null : t.ptr();
    }

    CudaTensor allocate(int rows, int cols) {
        return new CudaTensor(this, rows, cols);
    }

    CudaTensor allocate(int rows, int cols, CudaTensor.Storage storage) {
        return new CudaTensor(this, rows, cols, storage);
    }

    @Override
    public Tensor upload(float[] data, int rows, int cols) {
        BackendChecks.upload(data, rows, cols);
        ctx.enter();
        CudaTensor t = allocate(rows, cols);
        if (data.length > 0) {
            JCudaDriver.cuMemcpyHtoD(t.ptr(), Pointer.to(data), (long) data.length * Sizeof.FLOAT);
        }
        return t;
    }

    /**
     * One device copy per weight, in the type the GEMM reads: float32, or bfloat16 in BF16 mode (rounded once here,
     * the float32 upload only passes through a scratch buffer).
     */
    @Override
    public Tensor weight(WeightData w) {
        return switch (w.dtype()) {
            case F32 -> weight32(w.toFloats(), w.rows(), w.cols());
            case F16, BF16 -> {
                short[] bits = new short[Math.toIntExact(w.size())];
                w.bytes().asShortBuffer().get(0, bits);
                yield weight16(bits, w.dtype() == DType.F16 ? CudaTensor.Storage.F16 : CudaTensor.Storage.BF16,
                        w.rows(), w.cols());
            }
        };
    }

    private Tensor weight32(float[] data, int out, int in) {
        if (options.precision() != Precision.BF16) {
            return upload(data, out, in);
        }
        try (CudaTensor f32 = (CudaTensor) upload(data, out, in)) {
            CudaTensor t = allocate(out, in, CudaTensor.Storage.BF16);
            toBf16(t.ptr(), f32);
            return t;
        }
    }

    /**
     * A weight given by its 16-bit patterns ({@code F16} or {@code BF16}), kept as stored: the GEMM widens it in its
     * tile loads; in BF16 mode an F16 weight is rounded to bfloat16 once here instead.
     */
    Tensor weight16(short[] bits, CudaTensor.Storage stored, int out, int in) {
        if (stored == CudaTensor.Storage.F32 || bits.length != (long) out * in) {
            throw new IllegalArgumentException(bits.length + " " + stored + " values for a 16-bit weight [" + out + ", "
                    + in + "]");
        }
        ctx.enter();
        CudaTensor t = allocate(out, in, stored);
        if (bits.length > 0) {
            JCudaDriver.cuMemcpyHtoD(t.ptr(), Pointer.to(bits), (long) bits.length * Sizeof.SHORT);
        }
        if (options.precision() == Precision.BF16 && stored == CudaTensor.Storage.F16) {
            try (t) {
                CudaTensor b = allocate(out, in, CudaTensor.Storage.BF16);
                toBf16(b.ptr(), t);
                return b;
            }
        }
        return t;
    }

    /**
     * The bfloat16 buffer of a GEMM weight in BF16 mode: its own when stored so (every weight made by
     * {@link #weight}), else a rounded copy in {@code scratch} (a float32 tensor used as the weight operand).
     */
    CUdeviceptr bf16Operand(CudaTensor w, DeviceScratch scratch) {
        if (w.storage() == CudaTensor.Storage.BF16) {
            return w.ptr();
        }
        CUdeviceptr p = scratch.allocate(w.size() * 2);
        toBf16(p, w);
        return p;
    }

    /** IEEE binary16 → float32, exact (Float.float16ToFloat is JDK 20+). */
    static float f16ToFloat(short h) {
        int bits = h & 0xffff, sign = (bits & 0x8000) << 16, exp = (bits >>> 10) & 0x1f, mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    /** Writes the bfloat16 rounding of float32 or float16 {@code t} into {@code y} (t.size() × 2 bytes). */
    void toBf16(CUdeviceptr y, CudaTensor t) {
        Launcher.Grid g = Launcher.Grid.of(blocks(t.size()), THREADS);
        switch (t.storage()) {
            case F32 -> kernels.f32ToBf16(g, y, t.ptr(), t.size());
            case F16 -> kernels.f16ToBf16(g, y, t.ptr(), t.size());
            case BF16 -> JCudaDriver.cuMemcpyDtoDAsync(y, t.ptr(), t.size() * 2, ctx.stream);
        }
    }

    @Override
    public float[] download(Tensor t) {
        CudaTensor c = cuda(t, "downloaded tensor");
        ctx.enter();
        float[] out = new float[Math.toIntExact(c.size())];
        ctx.synchronize();
        if (out.length == 0) {
            return out;
        }
        if (c.storage() == CudaTensor.Storage.F32) {
            JCudaDriver.cuMemcpyDtoH(Pointer.to(out), c.ptr(), (long) out.length * Sizeof.FLOAT);
            return out;
        }
        short[] bits = new short[out.length];
        JCudaDriver.cuMemcpyDtoH(Pointer.to(bits), c.ptr(), (long) bits.length * Sizeof.SHORT);
        for (int i = 0; i < bits.length; i++) {
            out[i] = c.storage() == CudaTensor.Storage.BF16 ? Float.intBitsToFloat(bits[i] << 16)
                    : f16ToFloat(bits[i]);
        }
        return out;
    }

    private static int blocks(long n) {
        return (int) Math.max(1, Math.min((n + THREADS - 1) / THREADS, 65535L * 4));
    }

    // ---- element-wise and row ops ----

    void epilogue(CudaTensor y, CudaTensor x, CudaTensor bias, CudaTensor residual, boolean gelu) {
        kernels.linearEpilogue(Launcher.Grid.of(blocks(x.size()), THREADS), y.ptr(), x.ptr(), ptr(bias), ptr(residual),
                x.rows(), x.cols(), gelu ? 1 : 0);
    }

    private Tensor linear(Tensor x, Tensor w, Tensor b, Tensor residual, boolean gelu) {
        CudaTensor cx = cuda(x, "linear input"), cw = cuda(w, "linear weight");
        CudaTensor cb = cudaOrNull(b, "linear bias"), cr = cudaOrNull(residual, "linear residual");
        BackendChecks.linear(x, w, b, residual);
        ctx.enter();
        CudaTensor y = allocate(x.rows(), w.rows());
        matmul.multiply(y, cx, cw, cb, cr, gelu);
        return y;
    }

    @Override
    public Tensor linear(Tensor x, Tensor w, Tensor b) {
        return linear(x, w, b, null, false);
    }

    @Override
    public Tensor linearGelu(Tensor x, Tensor w, Tensor b) {
        return linear(x, w, b, null, true);
    }

    @Override
    public Tensor linearResidual(Tensor x, Tensor w, Tensor b, Tensor residual) {
        return linear(x, w, b, residual, false);
    }

    @Override
    public Tensor add(Tensor a, Tensor b) {
        CudaTensor ca = cuda(a, "add operand"), cb = cuda(b, "add operand");
        BackendChecks.add(a, b);
        ctx.enter();
        CudaTensor y = allocate(a.rows(), a.cols());
        epilogue(y, ca, null, cb, false);
        return y;
    }

    @Override
    public Tensor addRow(Tensor x, Tensor row) {
        CudaTensor cx = cuda(x, "tensor"), cr = cuda(row, "added row");
        BackendChecks.addRow(x, row);
        ctx.enter();
        CudaTensor y = allocate(x.rows(), x.cols());
        epilogue(y, cx, cr, null, false);
        return y;
    }

    @Override
    public Tensor gelu(Tensor x) {
        CudaTensor cx = cuda(x, "GELU input");
        ctx.enter();
        CudaTensor y = allocate(x.rows(), x.cols());
        epilogue(y, cx, null, null, true);
        return y;
    }

    @Override
    public Tensor layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps) {
        return addLayerNorm(x, null, gamma, beta, eps);
    }

    @Override
    public Tensor addLayerNorm(Tensor x, Tensor residual, Tensor gamma, Tensor beta, float eps) {
        CudaTensor cx = cuda(x, "layer norm input"), cr = cudaOrNull(residual, "layer norm residual");
        int d = x.cols();
        BackendChecks.layerNorm(x, residual, gamma, beta);
        ctx.enter();
        CudaTensor y = allocate(x.rows(), d);
        kernels.addLayerNorm(new Launcher.Grid(x.rows(), 1, THREADS, d * Sizeof.FLOAT), null, y.ptr(), cx.ptr(), ptr(cr),
                cuda(gamma, "layer norm weight").ptr(), cuda(beta, "layer norm bias").ptr(), x.rows(), d, eps);
        return y;
    }

    /** Warps per attention block: one query row each. */
    static final int ATTENTION_WARPS = 8;

    static int attentionSharedBytes(int d) {
        return (ATTENTION_WARPS * d + 32 * (d + 1) + 32 * d) * Sizeof.FLOAT;
    }

    /**
     * One launch of the attention kernel per segment, on pointers offset into the stacked tensors (the key bias stays
     * on the device). Batches have a few dozen segments at most; a kernel reading the segment table would save the
     * launches.
     */
    @Override
    public Tensor attention(Tensor q, Tensor k, Tensor v, int heads, float scale, Segments querySegments,
                            Segments keySegments, Tensor keyBias) {
        int d = BatchShapes.attention(q, k, v, heads, querySegments, keySegments, keyBias);
        CudaTensor bias = keyBias == null ? null : cuda(keyBias, "attention key bias");
        ctx.enter();
        return attend(q, k, v, heads, d, scale, querySegments, keySegments, bias == null ? null : bias.ptr());
    }

    /** The single sequence with a host key bias: the bias goes up as a temporary of this op. */
    @Override
    public Tensor attention(Tensor q, Tensor k, Tensor v, int heads, float scale, float[] keyBias) {
        Segments queries = Segments.single(q.rows()), keys = Segments.single(k.rows());
        int d = BatchShapes.attention(q, k, v, heads, queries, keys, null);
        if (keyBias != null && keyBias.length != k.rows()) {
            throw new IllegalArgumentException("attention key bias has " + keyBias.length + " entries for " + k.rows()
                    + " keys");
        }
        ctx.enter();
        try (DeviceScratch scratch = scratch()) {
            return attend(q, k, v, heads, d, scale, queries, keys, keyBias == null ? null : scratch.upload(keyBias));
        }
    }

    private Tensor attend(Tensor q, Tensor k, Tensor v, int heads, int d, float scale, Segments querySegments,
                          Segments keySegments, CUdeviceptr bias) {
        int width = q.cols();
        if (d > 128) {
            throw new IllegalArgumentException("attention head size " + d + " exceeds the kernel's 128");
        }
        CudaTensor cq = cuda(q, "attention queries"), ck = cuda(k, "attention keys"), cv = cuda(v, "attention values");
        CudaTensor y = allocate(q.rows(), width);
        long rowBytes = (long) width * Sizeof.FLOAT;
        for (int s = 0; s < querySegments.count(); s++) {
            int nq = querySegments.length(s), nk = keySegments.length(s);
            long qOff = querySegments.start(s) * rowBytes, kOff = keySegments.start(s) * rowBytes;
            kernels.attention(new Launcher.Grid((nq + ATTENTION_WARPS - 1) / ATTENTION_WARPS, heads,
                    ATTENTION_WARPS * 32, attentionSharedBytes(d)), y.ptr().withByteOffset(qOff),
                    cq.ptr().withByteOffset(qOff), ck.ptr().withByteOffset(kOff), cv.ptr().withByteOffset(kOff),
                    bias == null ? null : bias.withByteOffset((long) keySegments.start(s) * Sizeof.FLOAT),
                    nq, nk, heads, d, scale);
        }
        return y;
    }

    @Override
    public Tensor l2Normalize(Tensor x) {
        CudaTensor cx = cuda(x, "normalized tensor");
        ctx.enter();
        CudaTensor y = allocate(x.rows(), x.cols());
        int warps = THREADS / 32;
        kernels.l2Normalize(Launcher.Grid.of((x.rows() + warps - 1) / warps, THREADS), y.ptr(), cx.ptr(), x.rows(),
                x.cols());
        return y;
    }

    @Override
    public Tensor sliceRows(Tensor x, int from, int to) {
        CudaTensor cx = cuda(x, "sliced tensor");
        BackendChecks.sliceRows(x, from, to);
        ctx.enter();
        CudaTensor y = allocate(to - from, x.cols());
        long rowBytes = (long) x.cols() * Sizeof.FLOAT;
        if (y.size() > 0) {
            JCudaDriver.cuMemcpyDtoDAsync(y.ptr(), cx.ptr().withByteOffset(from * rowBytes), (to - from) * rowBytes,
                    ctx.stream);
        }
        return y;
    }

    @Override
    public Tensor sliceCols(Tensor x, int from, int to) {
        CudaTensor cx = cuda(x, "sliced tensor");
        BackendChecks.sliceCols(x, from, to);
        ctx.enter();
        CudaTensor y = allocate(x.rows(), to - from);
        if (y.size() > 0) {
            CUDA_MEMCPY2D copy = new CUDA_MEMCPY2D();
            copy.srcMemoryType = CUmemorytype.CU_MEMORYTYPE_DEVICE;
            copy.srcDevice = cx.ptr();
            copy.srcXInBytes = (long) from * Sizeof.FLOAT;
            copy.srcPitch = (long) x.cols() * Sizeof.FLOAT;
            copy.dstMemoryType = CUmemorytype.CU_MEMORYTYPE_DEVICE;
            copy.dstDevice = y.ptr();
            copy.dstPitch = (long) (to - from) * Sizeof.FLOAT;
            copy.WidthInBytes = (long) (to - from) * Sizeof.FLOAT;
            copy.Height = x.rows();
            JCudaDriver.cuMemcpy2DAsync(copy, ctx.stream);
        }
        return y;
    }

    @Override
    public Tensor concatRows(Tensor a, Tensor b) {
        CudaTensor ca = cuda(a, "concatenated tensor"), cb = cuda(b, "concatenated tensor");
        BackendChecks.concatRows(a, b);
        ctx.enter();
        CudaTensor y = allocate(a.rows() + b.rows(), a.cols());
        long aBytes = ca.size() * Sizeof.FLOAT, bBytes = cb.size() * Sizeof.FLOAT;
        if (aBytes > 0) {
            JCudaDriver.cuMemcpyDtoDAsync(y.ptr(), ca.ptr(), aBytes, ctx.stream);
        }
        if (bBytes > 0) {
            JCudaDriver.cuMemcpyDtoDAsync(y.ptr().withByteOffset(aBytes), cb.ptr(), bBytes, ctx.stream);
        }
        return y;
    }

    @Override
    public Tensor gatherRows(Tensor table, int[] ids) {
        CudaTensor ct = cuda(table, "gathered table");
        BackendChecks.gatherRows(table, ids);
        ctx.enter();
        CudaTensor y = allocate(ids.length, table.cols());
        long rowBytes = (long) table.cols() * Sizeof.FLOAT;
        for (int i = 0; i < ids.length && rowBytes > 0; i++) {  // a few dozen token rows: copies beat a kernel
            JCudaDriver.cuMemcpyDtoDAsync(y.ptr().withByteOffset(i * rowBytes),
                    ct.ptr().withByteOffset(ids[i] * rowBytes), rowBytes, ctx.stream);
        }
        return y;
    }

    /** One launch of the column-mean kernel per segment, writing row i of y. */
    @Override
    public Tensor meanRows(Tensor x, Segments segments) {
        BatchShapes.meanRows(x, segments);
        CudaTensor cx = cuda(x, "averaged tensor");
        BackendChecks.meanRows(x);
        ctx.enter();
        CudaTensor y = allocate(segments.count(), x.cols());
        long rowBytes = (long) x.cols() * Sizeof.FLOAT;
        for (int s = 0; s < segments.count(); s++) {
            kernels.meanRows(Launcher.Grid.of((x.cols() + THREADS - 1) / THREADS, THREADS),
                    y.ptr().withByteOffset(s * rowBytes), cx.ptr().withByteOffset(segments.start(s) * rowBytes),
                    segments.length(s), x.cols());
        }
        return y;
    }

    /** One launch per perturbed segment; rows of segments without P̄ are copied. */
    @Override
    public Tensor perturbQueries(Tensor q, Segments segments, Tensor[] pbar, int heads) {
        int d = BatchShapes.perturbQueries(q, segments, pbar, heads), width = q.cols();
        CudaTensor cq = cuda(q, "perturbed queries");
        CudaTensor[] cp = new CudaTensor[pbar.length];
        for (int s = 0; s < pbar.length; s++) {
            cp[s] = pbar[s] == null ? null : cuda(pbar[s], "P̄");
        }
        ctx.enter();
        CudaTensor y = allocate(q.rows(), width);
        long rowBytes = (long) width * Sizeof.FLOAT;
        for (int s = 0; s < segments.count(); s++) {
            int n = segments.length(s);
            long off = segments.start(s) * rowBytes;
            if (n == 0) {
                continue;
            }
            if (cp[s] == null) {
                JCudaDriver.cuMemcpyDtoDAsync(y.ptr().withByteOffset(off), cq.ptr().withByteOffset(off), n * rowBytes,
                        ctx.stream);
            } else {
                kernels.perturbHeads(new Launcher.Grid(blocks((long) d * n), heads, THREADS, 0),
                        y.ptr().withByteOffset(off), cq.ptr().withByteOffset(off), cp[s].ptr(), heads, d, n);
            }
        }
        return y;
    }

    /** cuSOLVER for orders up to 32 when it loaded, our Jacobi kernel up to 128, the CPU reference beyond. */
    @Override
    public SymmetricEigen symmetricEigen(double[] matrices, int count, int n) {
        BackendChecks.symmetricEigen(matrices, count, n);
        if (count == 0) {
            return new SymmetricEigen(0, n, new double[0], new double[0]);
        }
        if (n > JacobiKernelEigen.MAX_ORDER || JacobiKernelEigen.sharedBytes(n) > ctx.maxSharedOptIn) {
            return JacobiEigen.solveBatch(matrices, count, n);
        }
        ctx.enter();
        if (cusolver != null && n <= CusolverEigen.MAX_ORDER) {
            SymmetricEigen r = cusolver.solve(matrices, count, n);
            if (r != null) {
                return r;
            }
            LOG.log(System.Logger.Level.WARNING, "syevjBatched did not converge on a batch of " + count + " matrices of "
                    + "order " + n + "; solving it with the Jacobi kernel");
        }
        return jacobi.solve(matrices, count, n);
    }

    /** P̄ of one image on the device: the keys stay here, only eigenvalues go to the host ({@link DeviceMeanProjectors}). */
    @Override
    public MeanProjectors meanProjectors(ProjectorProblem problem) {
        return projectors.solve(problem);
    }


    /** Our Jacobi kernel regardless of cuSOLVER (tests compare the two paths). */
    SymmetricEigen jacobiEigen(double[] matrices, int count, int n) {
        ctx.enter();
        return jacobi.solve(matrices, count, n);
    }

    boolean hasCusolver() {
        return cusolver != null;
    }

    @Override
    public void close() {
        ctx.enter();
        ctx.synchronize();
        if (matmul instanceof CublasMatMul c) {
            c.close();
        }
        if (cusolver != null) {
            cusolver.close();
        }
        allocator.freeAll();
        ctx.close();
    }
}
