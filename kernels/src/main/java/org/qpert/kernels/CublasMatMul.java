package org.qpert.kernels;

import jcuda.Pointer;
import jcuda.cudaDataType;
import jcuda.driver.CUdeviceptr;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasComputeType;
import jcuda.jcublas.cublasGemmAlgo;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasMath;
import jcuda.jcublas.cublasOperation;
import jcuda.runtime.cudaStream_t;

/**
 * cuBLAS through JCublas2, then our epilogue kernel for bias, GELU and residual. Row-major y = x·wᵀ is, read
 * column-major, yᵀ = w·xᵀ: one GEMM with the weight transposed and no copies. TF32 is cuBLAS's TF32 math mode; BF16
 * rounds the activations to bfloat16 first and multiplies with the weight's bfloat16 buffer (cublasGemmEx, float32
 * accumulation and output). A 16-bit weight in F32/TF32 mode goes to our kernels, which widen it in their tile loads.
 */
final class CublasMatMul implements MatMul {
    private final CudaBackend backend;
    private final Precision precision;
    private final KernelMatMul ownKernels;
    private final cublasHandle handle = new cublasHandle();
    private final Pointer one = Pointer.to(new float[] {1f});
    private final Pointer zero = Pointer.to(new float[] {0f});

    CublasMatMul(CudaBackend backend, Precision precision) {
        this.backend = backend;
        this.precision = precision;
        this.ownKernels = new KernelMatMul(backend, precision);
        JCublas2.cublasCreate(handle);
        JCublas2.cublasSetStream(handle, new cudaStream_t(backend.context().stream));
        JCublas2.cublasSetMathMode(handle, precision == Precision.TF32 ? cublasMath.CUBLAS_TF32_TENSOR_OP_MATH
                : cublasMath.CUBLAS_DEFAULT_MATH);
    }

    @Override
    public String describe() {
        return "cuBLAS (" + precision + (precision == Precision.BF16 ? "" : "; own kernels for 16-bit weights") + ")";
    }

    @Override
    public void multiply(CudaTensor y, CudaTensor x, CudaTensor w, CudaTensor bias, CudaTensor residual, boolean gelu) {
        int m = x.rows(), n = w.rows(), k = x.cols();
        if (m == 0 || n == 0) {
            return;
        }
        if (precision != Precision.BF16 && w.storage() != CudaTensor.Storage.F32) {
            ownKernels.multiply(y, x, w, bias, residual, gelu);  // cuBLAS has no float32 × 16-bit product
            return;
        }
        synchronized (handle) {  // one handle on one stream; JCublas2 calls are cheap to serialize
            if (precision == Precision.BF16) {
                try (DeviceScratch scratch = backend.scratch()) {
                    CUdeviceptr xb = scratch.allocate(x.size() * 2);
                    backend.toBf16(xb, x);
                    JCublas2.cublasGemmEx(handle, cublasOperation.CUBLAS_OP_T, cublasOperation.CUBLAS_OP_N, n, m, k,
                            one, backend.bf16Operand(w, scratch), cudaDataType.CUDA_R_16BF, k, xb, cudaDataType.CUDA_R_16BF, k, zero,
                            y.ptr(), cudaDataType.CUDA_R_32F, n, cublasComputeType.CUBLAS_COMPUTE_32F,
                            cublasGemmAlgo.CUBLAS_GEMM_DEFAULT);
                }
            } else {
                JCublas2.cublasSgemm(handle, cublasOperation.CUBLAS_OP_T, cublasOperation.CUBLAS_OP_N, n, m, k, one,
                        w.ptr(), k, x.ptr(), k, zero, y.ptr(), n);
            }
        }
        if (bias != null || residual != null || gelu) {
            backend.epilogue(y, y, bias, residual, gelu);
        }
    }

    void close() {
        JCublas2.cublasDestroy(handle);
    }
}
