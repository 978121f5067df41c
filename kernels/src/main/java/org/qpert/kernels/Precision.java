package org.qpert.kernels;

/**
 * Arithmetic of the GPU matrix products. Everything else (norms, softmax, GELU, eigen) stays in float32 or double.
 * The error figures are the bounds the kernel tests check against the CPU backend (max |gpu − cpu| / max |cpu|).
 */
public enum Precision {
    /** Exact float32 FMA: ≤ 1e-5. */
    F32(1e-5),
    /** TensorFloat-32 inputs (10-bit mantissa), float32 accumulation: ≤ 5e-3 for K up to ~6000. */
    TF32(5e-3),
    /** bfloat16 inputs (8-bit mantissa), float32 accumulation: ≤ 2e-2 for K up to ~6000. */
    BF16(2e-2);

    private final double gemmTolerance;

    Precision(double gemmTolerance) {
        this.gemmTolerance = gemmTolerance;
    }

    /** Relative error bound of one matrix product against float32 on the CPU, as tested. */
    public double gemmTolerance() {
        return gemmTolerance;
    }
}
