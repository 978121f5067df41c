package org.qpert.kernels;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.qpert.core.backend.ReferenceCpuBackend;
import org.qpert.core.backend.Tensor;
import org.qpert.core.backend.WeightData;

import java.util.stream.Stream;

/**
 * GPU: matrix products with their epilogues against the independent scalar reference backend (ReferenceCpuBackend), for each precision, through our kernels and
 * through cuBLAS when it loads. Bounds: {@link Gpu#gemmTolerance} (F32 1e-5, TF32 5e-3, BF16 2e-2).
 */
class GemmKernelTest {
    private CudaBackend gpu;

    static Stream<Arguments> paths() {
        return Stream.of(Precision.values()).flatMap(p -> Stream.of(Arguments.of(p, false), Arguments.of(p, true)));
    }

    @AfterEach
    void close() {
        if (gpu != null) {
            gpu.close();
        }
    }

    /** One product with its inputs and the reference results, computed once and shared by every precision and path. */
    private record Case(int m, int n, int k, float[] x, float[] w, float[] b, float[] r, float[] linear, float[] gelu,
            float[] residual) {
    }

    private static List<Case> cases;

    private static synchronized List<Case> cases() {
        if (cases == null) {
            ReferenceCpuBackend reference = new ReferenceCpuBackend();
            Random rnd = new Random(3);
            int[][] shapes = {{257, 1408, 1408}, {257, 1408, 6144}, {32, 768, 768}, {33, 77, 65}, {1, 24, 768}};
            cases = new ArrayList<>();
            for (int[] s : shapes) {
                int m = s[0], n = s[1], k = s[2];
                float[] x = Gpu.random(rnd, m * k, 1), w = Gpu.random(rnd, n * k, 1 / Math.sqrt(k));
                float[] b = Gpu.random(rnd, n, 0.1), r = Gpu.random(rnd, m * n, 1);
                Tensor y = reference.linear(reference.upload(x, m, k), reference.weight(WeightData.f32(w, n, k)), reference.upload(b, 1, n));
                cases.add(new Case(m, n, k, x, w, b, r, reference.download(y), reference.download(reference.gelu(y)),
                        reference.download(reference.add(y, reference.upload(r, m, n)))));
            }
        }
        return cases;
    }

    /**
     * Weights kept in 16 bits: each (precision, stored type) variant against the reference product with the same weights
     * widened to float32 (exact), within the precision's bound; through cuBLAS's path too (which hands F32/TF32
     * products with 16-bit weights to our kernels).
     */
    @ParameterizedTest(name = "{0}, vendor libraries {1}")
    @MethodSource("paths")
    void linearWithSixteenBitWeights(Precision precision, boolean vendor) {
        gpu = Gpu.open(precision, vendor);
        ReferenceCpuBackend reference = new ReferenceCpuBackend();
        Random rnd = new Random(4);
        int m = 257, n = 1408, k = 1408;
        float[] x = Gpu.random(rnd, m * k, 1), w = Gpu.random(rnd, n * k, 1 / Math.sqrt(k)), b = Gpu.random(rnd, n, 0.1);
        for (CudaTensor.Storage stored : new CudaTensor.Storage[] {CudaTensor.Storage.BF16, CudaTensor.Storage.F16}) {
            short[] bits = new short[w.length];
            float[] widened = new float[w.length];
            for (int i = 0; i < w.length; i++) {
                bits[i] = stored == CudaTensor.Storage.BF16 ? (short) (Float.floatToRawIntBits(
                        RoundingCpuBackend.round(w[i], Precision.BF16)) >>> 16) : Float16.fromFloat(w[i]);
                widened[i] = stored == CudaTensor.Storage.BF16 ? Float.intBitsToFloat(bits[i] << 16)
                        : CudaBackend.f16ToFloat(bits[i]);
            }
            float[] want = reference.download(reference.linear(reference.upload(x, m, k), reference.weight(WeightData.f32(widened, n, k)), reference.upload(b, 1, n)));
            Tensor gw = gpu.weight16(bits, stored, n, k);
            Gpu.check(precision + (vendor ? " vendor path" : " own") + ", " + stored + " weights [257x1408]·[1408x1408]ᵀ",
                    Gpu.relativeError(gpu.download(gpu.linear(gpu.upload(x, m, k), gw, gpu.upload(b, 1, n))), want),
                    Gpu.gemmTolerance(precision));
        }
    }

    /** float32 → IEEE binary16, round to nearest even (for normal-range test values; Float.floatToFloat16 is JDK 20+). */
    static final class Float16 {
        static short fromFloat(float f) {
            int bits = Float.floatToRawIntBits(f), sign = (bits >>> 16) & 0x8000;
            int exp = ((bits >>> 23) & 0xff) - 127 + 15, mant = bits & 0x7fffff;
            if (exp <= 0) {  // subnormal or zero in float16: value / 2^-24, rounded to nearest even
                int q = Math.round(Math.abs(f) * 0x1p24f);
                return (short) (sign | q);
            }
            int rounded = mant + 0xfff + ((mant >>> 13) & 1);  // 13 dropped bits, ties to even
            if ((rounded & 0x800000) != 0) {
                rounded = 0;
                exp++;
            }
            return (short) (sign | (exp << 10) | (rounded >>> 13));
        }
    }

    @ParameterizedTest(name = "{0}, vendor libraries {1}")
    @MethodSource("paths")
    void linearOnModelShapes(Precision precision, boolean vendor) {
        gpu = Gpu.open(precision, vendor);
        for (Case c : cases()) {
            int m = c.m(), n = c.n(), k = c.k();
            Tensor gx = gpu.upload(c.x(), m, k), gw = gpu.weight(WeightData.f32(c.w(), n, k)), gb = gpu.upload(c.b(), 1, n);
            Tensor gr = gpu.upload(c.r(), m, n);
            String what = precision + (vendor ? " " + gpu.paths().split(";")[0] : " own") + " [" + m + "x" + k + "]·["
                    + n + "x" + k + "]ᵀ";
            double bound = Gpu.gemmTolerance(precision);
            Gpu.check(what + " +b", Gpu.relativeError(gpu.download(gpu.linear(gx, gw, gb)), c.linear()), bound);
            Gpu.check(what + " +b, GELU", Gpu.relativeError(gpu.download(gpu.linearGelu(gx, gw, gb)), c.gelu()), bound);
            Gpu.check(what + " +b +residual",
                    Gpu.relativeError(gpu.download(gpu.linearResidual(gx, gw, gb, gr)), c.residual()), bound);
        }
    }
}
