package org.qpert.kernels;

/**
 * Arithmetic of the GPU matrix products. Everything else (norms, softmax, GELU, eigen) stays in float32 or double.
 * The error figures are the bounds the kernel tests check against the CPU backend (max |gpu − cpu| / max |cpu|).
 */
public enum Precision {
    /** Exact float32 FMA: ≤ 1e-5. */
    F32,
    /** TensorFloat-32 inputs (10-bit mantissa), float32 accumulation: ≤ 5e-3 for K up to ~6000. */
    TF32,
    /** bfloat16 inputs (8-bit mantissa), float32 accumulation: ≤ 2e-2 for K up to ~6000. */
    BF16
}
