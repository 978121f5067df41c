package org.qpert.kernels;

import jcuda.driver.CUdeviceptr;
import org.qpert.kernels.Launcher.Grid;

/**
 * Our GEMM kernels (gemm.cu) with the epilogue fused: float32, or tensor cores on TF32 / BF16 inputs; the variant is
 * picked by (precision, the weight's storage), a 16-bit weight being widened in the kernel's tile loads.
 */
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
        Kernels kernels = backend.kernels();
        CUdeviceptr b = CudaBackend.ptr(bias), r = CudaBackend.ptr(residual);
        Grid f32 = new Grid(gx, gy, 256, 0), mma = new Grid(gx, gy, 128, 0);
        switch (precision) {
            case F32 -> {
                switch (w.storage()) {
                    case F32 -> kernels.gemmF32(f32, y.ptr(), x.ptr(), w.ptr(), b, r, m, n, k, flag);
                    case BF16 -> kernels.gemmF32WeightBf16(f32, y.ptr(), x.ptr(), w.ptr(), b, r, m, n, k, flag);
                    case F16 -> kernels.gemmF32WeightF16(f32, y.ptr(), x.ptr(), w.ptr(), b, r, m, n, k, flag);
                }
            }
            case TF32 -> {
                switch (w.storage()) {
                    case F32 -> kernels.gemmTf32(mma, y.ptr(), x.ptr(), w.ptr(), b, r, m, n, k, flag);
                    case BF16 -> kernels.gemmTf32WeightBf16(mma, y.ptr(), x.ptr(), w.ptr(), b, r, m, n, k, flag);
                    case F16 -> kernels.gemmTf32WeightF16(mma, y.ptr(), x.ptr(), w.ptr(), b, r, m, n, k, flag);
                }
            }
            case BF16 -> {
                try (DeviceScratch scratch = backend.scratch()) {
                    kernels.gemmBf16(mma, y.ptr(), x.ptr(), backend.bf16Operand(w, scratch), b, r, m, n, k, flag);
                }
            }
        }
    }
}
