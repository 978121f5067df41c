package org.qpert.core.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.qpert.core.backend.cpu.Kernels;

/**
 * Every op of the fast {@link CpuBackend}, with the Vector API kernels and with the scalar fallback, against the plain
 * {@link ReferenceCpuBackend} on random data at the real BLIP-2 shapes. Tolerance: the largest absolute difference must
 * stay below {@value #REL_TOL} times the largest magnitude of the reference output (the fast kernels sum in a different
 * order and, for GELU/exp, use float approximations accurate to ~1e-7).
 */
class CpuBackendTest {
    private static final double REL_TOL = 2e-5;
    private static final ReferenceCpuBackend REF = new ReferenceCpuBackend();

    static Stream<CpuBackend> backends() {
        return Stream.of(new CpuBackend(), new CpuBackend(Kernels.scalar()));
    }

    private static float[] random(Random r, int n, float scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (r.nextFloat() * 2 - 1) * scale;
        }
        return a;
    }

    private static void assertClose(Tensor expected, Backend b, Tensor actual, String what) {
        assertEquals(expected.shape(), actual.shape(), what + " shape");
        float[] e = REF.download(expected), a = b.download(actual);
        double max = 0, diff = 0;
        int worst = 0;
        for (int i = 0; i < e.length; i++) {
            max = Math.max(max, Math.abs(e[i]));
            double d = Math.abs(e[i] - a[i]);
            if (!(d <= diff)) {
                diff = d;
                worst = i;
            }
        }
        assertTrue(diff <= REL_TOL * max, what + ": max |diff| " + diff + " at " + worst + " (expected " + e[worst]
                + ", got " + a[worst] + "), reference max " + max);
    }

    private record Linear(Tensor x, Tensor w, Tensor b, Tensor res, Tensor refX, Tensor refW, Tensor refB,
                          Tensor refRes) {
    }

    private static Linear linearCase(CpuBackend fast, long seed, int n, int in, int out, boolean bias) {
        Random r = new Random(seed);
        float[] x = random(r, n * in, 1f), w = random(r, out * in, 0.05f), b = random(r, out, 0.5f),
                res = random(r, n * out, 1f);
        return new Linear(fast.upload(x, n, in), fast.weight(WeightData.f32(w, out, in)), bias ? fast.upload(b, 1, out) : null,
                fast.upload(res, n, out), REF.upload(x, n, in), REF.weight(WeightData.f32(w, out, in)),
                bias ? REF.upload(b, 1, out) : null, REF.upload(res, n, out));
    }

    @ParameterizedTest
    @MethodSource("backends")
    void linearAtVitQkvShape(CpuBackend fast) {
        Linear c = linearCase(fast, 1, 257, 1408, 1408, true);
        assertClose(REF.linear(c.refX, c.refW, c.refB), fast, fast.linear(c.x, c.w, c.b), "linear 257x1408x1408");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void linearGeluAtQFormerIntermediateShape(CpuBackend fast) {
        Linear c = linearCase(fast, 2, 32, 768, 3072, true);
        assertClose(REF.linearGelu(c.refX, c.refW, c.refB), fast, fast.linearGelu(c.x, c.w, c.b),
                "linearGelu 32x768x3072");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void linearResidualAtVitFc2Shape(CpuBackend fast) {
        Linear c = linearCase(fast, 3, 37, 6144, 1408, true);
        assertClose(REF.linearResidual(c.refX, c.refW, c.refB, c.refRes), fast,
                fast.linearResidual(c.x, c.w, c.b, c.res), "linearResidual 37x6144x1408");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void linearWithRaggedShapesAndNoBias(CpuBackend fast) {
        for (int[] s : new int[][] {{1, 1, 1}, {5, 13, 19}, {7, 3, 33}, {20, 768, 256}, {2, 9, 2}}) {
            Linear c = linearCase(fast, s[0] * 31 + s[2], s[0], s[1], s[2], false);
            assertClose(REF.linear(c.refX, c.refW, null), fast, fast.linear(c.x, c.w, null),
                    "linear " + s[0] + "x" + s[1] + "x" + s[2]);
            assertClose(REF.linearGelu(c.refX, c.refW, null), fast, fast.linearGelu(c.x, c.w, null),
                    "linearGelu " + s[0] + "x" + s[1] + "x" + s[2]);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void rowsDoNotDependOnTheBatchTheyComeIn(CpuBackend fast) {
        Random r = new Random(11);
        int n = 23, in = 200, out = 40;
        float[] x = random(r, n * in, 1f);
        Tensor w = fast.weight(WeightData.f32(random(r, out * in, 0.1f), out, in));
        float[] all = fast.download(fast.linear(fast.upload(x, n, in), w, null));
        for (int i = 0; i < n; i++) {
            float[] row = java.util.Arrays.copyOfRange(x, i * in, (i + 1) * in);
            float[] one = fast.download(fast.linear(fast.upload(row, 1, in), w, null));
            assertArrayEquals(java.util.Arrays.copyOfRange(all, i * out, (i + 1) * out), one, 0f, "row " + i);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void linearAcceptsAnUnpackedWeight(CpuBackend fast) {
        Random r = new Random(4);
        float[] x = random(r, 6 * 40, 1f), w = random(r, 24 * 40, 1f);
        assertClose(REF.linear(REF.upload(x, 6, 40), REF.upload(w, 24, 40), null), fast,
                fast.linear(fast.upload(x, 6, 40), fast.upload(w, 24, 40), null), "linear with uploaded weight");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void packedWeightDownloadsAsItWasGiven(CpuBackend fast) {
        float[] w = random(new Random(5), 35 * 17, 1f);
        assertArrayEquals(w, fast.download(fast.weight(WeightData.f32(w, 35, 17))));
    }

    /** A random 16-bit weight: BF16 rounded from floats, F16 from bit patterns (normals, subnormals and zeros). */
    private static WeightData weight16(DType type, Random r, int out, int in) {
        if (type == DType.BF16) {
            return WeightData.bf16(random(r, out * in, 0.05f), out, in);
        }
        short[] bits = new short[out * in];
        for (int i = 0; i < bits.length; i++) {
            int exp = r.nextInt(16); // 2^-15 .. 2^0, with exponent 0 = subnormals and zero
            bits[i] = (short) ((r.nextBoolean() ? 0x8000 : 0) | exp << 10 | r.nextInt(1024));
        }
        return WeightData.of16(DType.F16, bits, out, in);
    }

    /** Real shapes (ViT qkv, fc2 with residual, Q-Former text rows, ITM head's 2-column partial panel). */
    @ParameterizedTest
    @MethodSource("backends")
    void sixteenBitWeightsMatchTheirExactWidening(CpuBackend fast) {
        int[][] shapes = {{257, 1408, 4224}, {37, 6144, 1408}, {20, 768, 3072}, {32, 768, 2}, {5, 13, 19}};
        for (DType type : new DType[] {DType.BF16, DType.F16}) {
            for (int[] s : shapes) {
                Random r = new Random(s[0] * 7 + s[2]);
                int n = s[0], in = s[1], out = s[2];
                float[] x = random(r, n * in, 1f), b = random(r, out, 0.5f), res = random(r, n * out, 1f);
                WeightData w = weight16(type, r, out, in);
                Tensor fw = fast.weight(w), rw = REF.weight(w);
                assertEquals(type, fw.dtype(), "stored type kept");
                String what = type + " " + n + "x" + in + "x" + out;
                assertClose(REF.linear(REF.upload(x, n, in), rw, REF.upload(b, 1, out)), fast,
                        fast.linear(fast.upload(x, n, in), fw, fast.upload(b, 1, out)), "linear " + what);
                assertClose(REF.linearResidual(REF.upload(x, n, in), rw, REF.upload(b, 1, out),
                                REF.upload(res, n, out)), fast,
                        fast.linearResidual(fast.upload(x, n, in), fw, fast.upload(b, 1, out),
                                fast.upload(res, n, out)), "linearResidual " + what);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void sixteenBitWeightIsKeptInSixteenBitsAndDownloadsWidened(CpuBackend fast) {
        WeightData w = weight16(DType.F16, new Random(3), 35, 17);
        Tensor t = fast.weight(w);
        PackedWeight p = (PackedWeight) t;
        assertEquals(2L * org.qpert.core.backend.cpu.Packing.packedSize(17, 35, p.panelWidth), p.bytes(),
                "one 16-bit copy: panels of shorts");
        assertArrayEquals(w.toFloats(), fast.download(t));
        for (int i = 0; i < w.size(); i++) {
            short h = w.bytes().getShort(2 * i);
            assertEquals(Half.f16ToFloat(h), Half.f16ToFloatFinite(h), "kernel widening of " + Integer.toHexString(h));
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void refusesF16WeightsHoldingInfinity(CpuBackend fast) {
        short[] bits = new short[4 * 8];
        bits[13] = 0x7c00;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> fast.weight(WeightData.of16(DType.F16, bits, 4, 8)));
        assertTrue(e.getMessage().contains("infinity or NaN"), e.getMessage());
    }

    @ParameterizedTest
    @MethodSource("backends")
    void vitSelfAttention(CpuBackend fast) {
        attentionCase(fast, 6, 257, 257, 1408, 16, null);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void qformerCrossAttention(CpuBackend fast) {
        attentionCase(fast, 7, 32, 257, 768, 12, null);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void textSelfAttentionWithPaddingBias(CpuBackend fast) {
        float[] bias = new float[35];
        for (int j = 28; j < 35; j++) {
            bias[j] = -10000f;
        }
        attentionCase(fast, 8, 35, 35, 768, 12, bias);
    }

    private static void attentionCase(CpuBackend fast, long seed, int nq, int nk, int width, int heads,
                                      float[] keyBias) {
        Random r = new Random(seed);
        float[] q = random(r, nq * width, 2f), k = random(r, nk * width, 2f), v = random(r, nk * width, 1f);
        float scale = (float) Math.pow(width / heads, -0.5);
        Tensor expected = REF.attention(REF.upload(q, nq, width), REF.upload(k, nk, width), REF.upload(v, nk, width),
                heads, scale, keyBias);
        Tensor actual = fast.attention(fast.upload(q, nq, width), fast.upload(k, nk, width),
                fast.upload(v, nk, width), heads, scale, keyBias);
        assertClose(expected, fast, actual, "attention " + nq + "x" + nk + "x" + width + "/" + heads);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void layerNormsAndElementwiseOps(CpuBackend fast) {
        Random r = new Random(9);
        int n = 257, d = 1408;
        float[] x = random(r, n * d, 3f), res = random(r, n * d, 3f), g = random(r, d, 1f), b = random(r, d, 1f);
        for (int i = 0; i < d; i++) {
            x[i] += 40f; // a row with a large mean, where one-pass variance would lose digits
        }
        Tensor fx = fast.upload(x, n, d), fr = fast.upload(res, n, d), fg = fast.upload(g, 1, d),
                fb = fast.upload(b, 1, d);
        Tensor rx = REF.upload(x, n, d), rr = REF.upload(res, n, d), rg = REF.upload(g, 1, d), rb = REF.upload(b, 1, d);
        assertClose(REF.layerNorm(rx, rg, rb, 1e-6f), fast, fast.layerNorm(fx, fg, fb, 1e-6f), "layerNorm");
        assertClose(REF.addLayerNorm(rx, rr, rg, rb, 1e-12f), fast, fast.addLayerNorm(fx, fr, fg, fb, 1e-12f),
                "addLayerNorm");
        assertClose(REF.gelu(rx), fast, fast.gelu(fx), "gelu");
        assertClose(REF.add(rx, rr), fast, fast.add(fx, fr), "add");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void geluIsAccurateAcrossItsRange(CpuBackend fast) {
        int n = 16001;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = -8f + 16f * i / (n - 1);
        }
        float[] y = fast.download(fast.gelu(fast.upload(x, 1, n)));
        for (int i = 0; i < n; i++) {
            // 3e-7 absolute per unit of |x|: the float erf approximation is within 1e-7 of erf.
            double tol = 3e-7 * Math.max(1, Math.abs(x[i]));
            assertEquals(Gelu.apply(x[i]), y[i], tol, "GELU(" + x[i] + ")");
        }
    }

    /** CLIP fc1 at a few hundred tokens (OWLv2 runs 3601; the kernel does not care) and a ragged width. */
    @ParameterizedTest
    @MethodSource("backends")
    void linearQuickGeluAtClipMlpShape(CpuBackend fast) {
        Linear c = linearCase(fast, 21, 97, 768, 3072, true);
        assertClose(REF.linearQuickGelu(c.refX, c.refW, c.refB), fast, fast.linearQuickGelu(c.x, c.w, c.b),
                "linearQuickGelu 97x768x3072");
        Linear ragged = linearCase(fast, 22, 5, 48, 80, true);
        assertClose(REF.linearQuickGelu(ragged.refX, ragged.refW, ragged.refB), fast,
                fast.linearQuickGelu(ragged.x, ragged.w, ragged.b), "linearQuickGelu 5x48x80");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void quickGeluIsAccurateAcrossItsRange(CpuBackend fast) {
        int n = 16001;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = -60f + 120f * i / (n - 1);
        }
        float[] y = fast.download(fast.quickGelu(fast.upload(x, 1, n)));
        Tensor w = fast.weight(WeightData.f32(new float[] {1f}, 1, 1));
        float[] fused = fast.download(fast.linearQuickGelu(fast.upload(x, n, 1), w, null));
        for (int i = 0; i < n; i++) {
            double tol = 3e-7 * Math.max(1, Math.abs(x[i]));
            assertEquals(QuickGelu.apply(x[i]), y[i], tol, "quick_gelu(" + x[i] + ")");
            assertEquals(QuickGelu.apply(x[i]), fused[i], tol, "fused quick_gelu(" + x[i] + ")");
        }
    }

    /** Causal attention equals full attention with −∞ above the diagonal, written out per row here. */
    @ParameterizedTest
    @MethodSource("backends")
    void causalAttentionSeesOnlyEarlierKeys(CpuBackend fast) {
        Random r = new Random(23);
        int n = 9, heads = 4, width = 32;
        float[] q = random(r, n * width, 1f), k = random(r, n * width, 1f), v = random(r, n * width, 1f);
        float[] pad = new float[n];
        for (int j = 6; j < n; j++) {
            pad[j] = -Float.MAX_VALUE;
        }
        float[] got = fast.download(fast.causalAttention(fast.upload(q, n, width), fast.upload(k, n, width),
                fast.upload(v, n, width), heads, 0.25f, pad));
        int d = width / heads;
        for (int i = 0; i < n; i++) {
            for (int h = 0; h < heads; h++) {
                double[] w = new double[i + 1];
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int j = 0; j <= i; j++) {
                    double s = 0;
                    for (int c = 0; c < d; c++) {
                        s += (double) q[i * width + h * d + c] * k[j * width + h * d + c];
                    }
                    w[j] = (float) (s * 0.25f + pad[j]);
                    max = Math.max(max, w[j]);
                }
                for (int j = 0; j <= i; j++) {
                    w[j] = Math.exp(w[j] - max);
                    sum += w[j];
                }
                for (int c = 0; c < d; c++) {
                    double o = 0;
                    for (int j = 0; j <= i; j++) {
                        o += w[j] / sum * v[j * width + h * d + c];
                    }
                    assertEquals(o, got[i * width + h * d + c], 1e-5, "row " + i + " head " + h + " col " + c);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void rejectsMismatchedShapes(CpuBackend fast) {
        Tensor x = fast.upload(new float[6], 2, 3), w = fast.weight(WeightData.f32(new float[8], 2, 4));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fast.linear(x, w, null));
        assertTrue(e.getMessage().contains("linear input"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> fast.attention(x, x, x, 2, 1f, null));
    }

    @org.junit.jupiter.api.Test
    void usesTheVectorKernelsWhenTheModuleIsPresent() {
        // Surefire starts the JVM with --add-modules jdk.incubator.vector (parent pom).
        assertTrue(new CpuBackend().describe().contains("vector"), new CpuBackend().describe());
        assertTrue(new CpuBackend(Kernels.scalar()).describe().contains("scalar"));
    }

    /** Real Q-Former sizes: 32 queries (and 35 ITM rows), 12 heads of 64; P̄ not symmetric, so no shortcut hides. */
    @ParameterizedTest
    @MethodSource("backends")
    void perturbQueriesAtQFormerShape(CpuBackend fast) {
        Random r = new Random(11);
        float[] p = random(r, 768 * 64, 0.2f);
        for (int rows : new int[] {32, 35, 1}) {
            float[] q = random(r, rows * 768, 1f);
            assertClose(REF.perturbQueries(REF.upload(q, rows, 768), REF.upload(p, 768, 64), 12), fast,
                    fast.perturbQueries(fast.upload(q, rows, 768), fast.upload(p, 768, 64), 12),
                    "perturbQueries " + rows + " rows");
        }
    }

    /** InternViT's norms at 3200 (q/k norm over the full width too) and QLLaMA's at 4096. */
    @ParameterizedTest
    @MethodSource("backends")
    void rmsNormAtInternvlWidths(CpuBackend fast) {
        Random r = new Random(41);
        for (int width : new int[] {3200, 4096, 40}) {
            float[] x = random(r, 19 * width, 3f), g = random(r, width, 1f);
            assertClose(REF.rmsNorm(REF.upload(x, 19, width), REF.upload(g, 1, width), 1e-6f), fast,
                    fast.rmsNorm(fast.upload(x, 19, width), fast.upload(g, 1, width), 1e-6f), "rmsNorm " + width);
        }
    }

    /** QLLaMA's rotary: 32 heads of 128 at positions up to the 80-token text length, and a stacked batch's restart. */
    @ParameterizedTest
    @MethodSource("backends")
    void rotaryAtQllamaWidth(CpuBackend fast) {
        Random r = new Random(42);
        int n = 96, width = 4096;
        float[] x = random(r, n * width, 2f);
        int[] positions = new int[n];
        for (int i = 0; i < n; i++) {
            positions[i] = i < 80 ? i : i - 80;
        }
        assertClose(REF.rotary(REF.upload(x, n, width), 32, positions, 10000), fast,
                fast.rotary(fast.upload(x, n, width), 32, positions, 10000), "rotary 96x32x128");
        float[] at0 = fast.download(fast.rotary(fast.upload(x, n, width), 32, new int[n], 10000));
        assertArrayEquals(x, at0, 0f, "position 0 is the identity");
        assertThrows(IllegalArgumentException.class, () -> fast.rotary(fast.upload(x, n, width), 32, new int[3], 1e4));
    }

    /** QLLaMA's MLP: SiLU(gate) ⊙ up at 11008. */
    @ParameterizedTest
    @MethodSource("backends")
    void swiGluAtQllamaMlpWidth(CpuBackend fast) {
        Random r = new Random(43);
        float[] x = random(r, 7 * 2 * 11008, 6f);
        assertClose(REF.swiGlu(REF.upload(x, 7, 2 * 11008)), fast, fast.swiGlu(fast.upload(x, 7, 2 * 11008)),
                "swiGlu 7x11008");
        assertThrows(IllegalArgumentException.class, () -> fast.swiGlu(fast.upload(new float[3], 1, 3)));
    }

    /** InternViT's layer scale on a residual branch at 3200. */
    @ParameterizedTest
    @MethodSource("backends")
    void scaledResidualAtInternvitWidth(CpuBackend fast) {
        Random r = new Random(44);
        int n = 257, width = 3200;
        float[] x = random(r, n * width, 2f), s = random(r, width, 0.5f), res = random(r, n * width, 2f);
        assertClose(REF.scaledResidual(REF.upload(x, n, width), REF.upload(s, 1, width), REF.upload(res, n, width)),
                fast, fast.scaledResidual(fast.upload(x, n, width), fast.upload(s, 1, width),
                        fast.upload(res, n, width)), "scaledResidual 257x3200");
    }
}
