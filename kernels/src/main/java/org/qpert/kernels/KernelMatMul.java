package org.qpert.kernels;

/** Our GEMM kernels (gemm.cu) with the epilogue fused: float32, or tensor cores on TF32 / BF16 inputs. */
final class KernelMatMul implements MatMul {
    private static final int TILE = 64;
    private final CudaBackend backend;
    private final Precision precision;

    KernelMatMul(CudaBackend backend, Precision precision) {
        this.backend = backend;
        this.precision = precision;
    }

    @Override
    public String describe() {
        return "own kernels (" + precision + ")";
    }

    @Override
    public void multiply(CudaTensor y, CudaTensor x, CudaTensor w, CudaTensor bias, CudaTensor residual, boolean gelu) {
        int m = x.rows(), n = w.rows(), k = x.cols();
        int gx = (n + TILE - 1) / TILE, gy = (m + TILE - 1) / TILE, flag = gelu ? 1 : 0;
        CudaContext ctx = backend.context();
        switch (precision) {
            case F32 -> ctx.launch("gemm", "gemm_f32", gx, gy, 256, 0, y, x, w, bias, residual, m, n, k, flag);
            case TF32 -> ctx.launch("gemm", "gemm_tf32", gx, gy, 128, 0, y, x, w, bias, residual, m, n, k, flag);
            case BF16 -> ctx.launch("gemm", "gemm_bf16", gx, gy, 128, 0, y, x, backend.bf16(w), bias, residual, m, n,
                    k, flag);
        }
    }
}
