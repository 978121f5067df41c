package org.qpert.kernels;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.qpert.core.backend.CpuBackend;
import org.qpert.core.backend.Tensor;
import org.qpert.core.backend.WeightData;

import java.util.stream.Stream;

/**
 * GPU: matrix products with their epilogues against the CPU backend, for each precision, through our kernels and
 * through cuBLAS when it loads. Bounds: {@link Precision#gemmTolerance()} (F32 1e-5, TF32 5e-3, BF16 2e-2).
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

    /** One product with its inputs and the CPU results, computed once and shared by every precision and path. */
    private record Case(int m, int n, int k, float[] x, float[] w, float[] b, float[] r, float[] linear, float[] gelu,
            float[] residual) {
    }

    private static List<Case> cases;

    private static synchronized List<Case> cases() {
        if (cases == null) {
            CpuBackend cpu = new CpuBackend();
            Random rnd = new Random(3);
            int[][] shapes = {{257, 1408, 1408}, {257, 1408, 6144}, {32, 768, 768}, {33, 77, 65}, {1, 24, 768}};
            cases = new ArrayList<>();
            for (int[] s : shapes) {
                int m = s[0], n = s[1], k = s[2];
                float[] x = Gpu.random(rnd, m * k, 1), w = Gpu.random(rnd, n * k, 1 / Math.sqrt(k));
                float[] b = Gpu.random(rnd, n, 0.1), r = Gpu.random(rnd, m * n, 1);
                Tensor y = cpu.linear(cpu.upload(x, m, k), cpu.weight(WeightData.f32(w, n, k)), cpu.upload(b, 1, n));
                cases.add(new Case(m, n, k, x, w, b, r, cpu.download(y), cpu.download(cpu.gelu(y)),
                        cpu.download(cpu.add(y, cpu.upload(r, m, n)))));
            }
        }
        return cases;
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
            double bound = precision.gemmTolerance();
            Gpu.check(what + " +b", Gpu.relativeError(gpu.download(gpu.linear(gx, gw, gb)), c.linear()), bound);
            Gpu.check(what + " +b, GELU", Gpu.relativeError(gpu.download(gpu.linearGelu(gx, gw, gb)), c.gelu()), bound);
            Gpu.check(what + " +b +residual",
                    Gpu.relativeError(gpu.download(gpu.linearResidual(gx, gw, gb, gr)), c.residual()), bound);
        }
    }
}
