package org.qpert.kernels;

import org.qpert.core.backend.CpuBackend;
import org.qpert.core.backend.Tensor;

/**
 * The CPU backend with the GPU's reduced-precision matrix products emulated: both operands of every product rounded
 * the way the tensor-core kernels round them (TF32: cvt.rna, to nearest with ties away from zero, 10-bit mantissa;
 * BF16: to nearest even, 7-bit mantissa), then multiplied and summed in float32. It predicts the TF32/BF16 error
 * against float32 without a GPU, which is what the GPU tests' bounds are set from.
 */
final class RoundingCpuBackend extends CpuBackend {
    private final Precision precision;

    RoundingCpuBackend(Precision precision) {
        this.precision = precision;
    }

    static float round(float x, Precision p) {
        int bits = Float.floatToRawIntBits(x);
        if (!Float.isFinite(x)) {
            return x;
        }
        return switch (p) {
            case F32 -> x;
            case TF32 -> Float.intBitsToFloat((bits + 0x1000) & 0xffffe000);  // 13 dropped bits, ties away
            case BF16 -> Float.intBitsToFloat((bits + 0x7fff + ((bits >>> 16) & 1)) & 0xffff0000);  // ties to even
        };
    }

    private Tensor rounded(Tensor t) {
        float[] x = download(t);
        for (int i = 0; i < x.length; i++) {
            x[i] = round(x[i], precision);
        }
        return upload(x, t.rows(), t.cols());
    }

    @Override
    public Tensor linear(Tensor x, Tensor w, Tensor b) {
        return super.linear(rounded(x), rounded(w), b);
    }
}
