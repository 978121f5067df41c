package org.qpert.kernels;

/** {@code y = epilogue(x·wᵀ)}: bias [1, N] added, then the exact GELU if asked, then residual [M, N] added. */
interface MatMul {
    /** One line for the start-up log: which implementation and precision. */
    String describe();

    void multiply(CudaTensor y, CudaTensor x, CudaTensor w, CudaTensor bias, CudaTensor residual, boolean gelu);
}
