package org.qpert.core.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API kernels. The matrix micro-kernel keeps a 6-row × 2-vector tile of C in registers (12 accumulators, two B
 * loads and one broadcast: the 16 registers of AVX2) and runs the whole k loop before one fused epilogue store.
 * The species is the JVM's preferred one: on AVX2 machines 256 bits; 512-bit vectors are not used where the JVM
 * does not prefer them because C2 then emulates them (see bench/RESULTS.md).
 */
final class VectorKernels implements Kernels {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final int NR = 2 * L;
    private static final int MR = 6;
    /** L 16-bit lanes in half the width, widened to L int (then float) lanes. */
    private static final VectorSpecies<Short> H = VectorSpecies.of(short.class,
            VectorShape.forBitSize(S.vectorBitSize() / 2));
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, S.vectorShape());

    @Override
    public String describe() {
        return "vector " + S.vectorBitSize() + "-bit, tile " + MR + "x" + NR;
    }

    @Override
    public int panelWidth() {
        return NR;
    }

    @Override
    public void panel(float[] a, int aOff, int lda, int rows, int k, float[] b, int bOff,
                      float[] c, int cOff, int ldc, int cols, float[] bias, int biasOff, float[] residual, int epilogue) {
        if (cols == NR) {
            int i = 0;
            for (; i + MR <= rows; i += MR) {
                tile6(a, aOff + i * lda, lda, k, b, bOff, c, cOff + i * ldc, ldc);
            }
            for (; i + 3 <= rows; i += 3) {
                tile3(a, aOff + i * lda, lda, k, b, bOff, c, cOff + i * ldc, ldc);
            }
            for (; i + 2 <= rows; i += 2) {
                tile2(a, aOff + i * lda, lda, k, b, bOff, c, cOff + i * ldc, ldc);
            }
            for (; i < rows; i++) {
                tile1(a, aOff + i * lda, k, b, bOff, c, cOff + i * ldc);
            }
            if (bias != null || epilogue != PLAIN) {
                finish(c, cOff, ldc, rows, bias, biasOff, residual, epilogue);
            }
        } else {
            partialPanel(a, aOff, lda, rows, k, b, bOff, c, cOff, ldc, cols, bias, biasOff, residual, epilogue);
        }
    }

    private static void tile6(float[] a, int a0, int lda, int k, float[] b, int bOff,
                              float[] c, int c0, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        int a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda;
        for (int p = 0, bo = bOff; p < k; p++, bo += NR) {
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + L);
            FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, a[a3 + p]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, a[a4 + p]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, a[a5 + p]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
        }
        c00.intoArray(c, c0);
        c01.intoArray(c, c0 + L);
        c10.intoArray(c, c0 + ldc);
        c11.intoArray(c, c0 + ldc + L);
        c20.intoArray(c, c0 + 2 * ldc);
        c21.intoArray(c, c0 + 2 * ldc + L);
        c30.intoArray(c, c0 + 3 * ldc);
        c31.intoArray(c, c0 + 3 * ldc + L);
        c40.intoArray(c, c0 + 4 * ldc);
        c41.intoArray(c, c0 + 4 * ldc + L);
        c50.intoArray(c, c0 + 5 * ldc);
        c51.intoArray(c, c0 + 5 * ldc + L);
    }

    private static void tile3(float[] a, int a0, int lda, int k, float[] b, int bOff,
                              float[] c, int c0, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        int a1 = a0 + lda, a2 = a1 + lda;
        for (int p = 0, bo = bOff; p < k; p++, bo += NR) {
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + L);
            FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, a[a2 + p]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
        }
        c00.intoArray(c, c0);
        c01.intoArray(c, c0 + L);
        c10.intoArray(c, c0 + ldc);
        c11.intoArray(c, c0 + ldc + L);
        c20.intoArray(c, c0 + 2 * ldc);
        c21.intoArray(c, c0 + 2 * ldc + L);
    }

    private static void tile2(float[] a, int a0, int lda, int k, float[] b, int bOff,
                              float[] c, int c0, int ldc) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00;
        int a1 = a0 + lda;
        for (int p = 0, bo = bOff; p < k; p++, bo += NR) {
            FloatVector b0 = FloatVector.fromArray(S, b, bo);
            FloatVector b1 = FloatVector.fromArray(S, b, bo + L);
            FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, a[a1 + p]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
        }
        c00.intoArray(c, c0);
        c01.intoArray(c, c0 + L);
        c10.intoArray(c, c0 + ldc);
        c11.intoArray(c, c0 + ldc + L);
    }

    /**
     * One row. The same single FMA chain per column as the wider tiles, so a row's result does not depend on which
     * tile computed it (a batch gives bit-identical rows to the same rows one by one).
     */
    private static void tile1(float[] a, int a0, int k, float[] b, int bOff,
                              float[] c, int c0) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00;
        for (int p = 0, bo = bOff; p < k; p++, bo += NR) {
            FloatVector x = FloatVector.broadcast(S, a[a0 + p]);
            c00 = x.fma(FloatVector.fromArray(S, b, bo), c00);
            c01 = x.fma(FloatVector.fromArray(S, b, bo + L), c01);
        }
        c00.intoArray(c, c0);
        c01.intoArray(c, c0 + L);
    }

    /**
     * Widens the whole k × NR panel to float32 once, into this thread's scratch, then runs the float32 tiles on it:
     * the same FMA chain per element as widening where it is multiplied (widening is exact), so results are bitwise
     * those of a float32 weight, but each weight is widened once per task instead of once per row tile. On AVX2,
     * widening inside the tile loop cost the ViT-g 55 % more time than float32 weights (bench/RESULTS.md).
     */
    @Override
    public void panel16(float[] a, int aOff, int lda, int rows, int k, short[] b, int bOff, boolean f16,
                        float[] c, int cOff, int ldc, int cols, float[] bias, int biasOff, float[] residual,
                        int epilogue) {
        int n = k * NR;
        float[] wide = WIDE_PANEL.get();
        if (wide.length < n) {
            wide = new float[n];  // grows to the largest k once per thread, then reused
            WIDE_PANEL.set(wide);
        }
        for (int i = 0; i < n; i += L) {
            widen(b, bOff + i, f16).intoArray(wide, i);
        }
        panel(a, aOff, lda, rows, k, wide, 0, c, cOff, ldc, cols, bias, biasOff, residual, epilogue);
    }

    private static final ThreadLocal<float[]> WIDE_PANEL = ThreadLocal.withInitial(() -> new float[0]);

    /**
     * L 16-bit weights widened to float32. BF16 is the high half of a float32. F16: the exponent and mantissa bits
     * moved to their float32 places and the product with 2^112 rebiases the exponent (exact for normals and
     * subnormals; infinities and NaN are refused at packing). The Vector API of Java 17 has no half-float conversion,
     * and this costs three integer ops and a multiply per vector.
     */
    private static FloatVector widen(short[] b, int off, boolean f16) {
        IntVector x = (IntVector) ShortVector.fromArray(H, b, off).convertShape(VectorOperators.S2I, I, 0);
        if (f16) {
            return x.lanewise(VectorOperators.LSHL, 13).and(0x8fffe000).reinterpretAsFloats().mul(0x1p112f);
        }
        return x.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /**
     * Bias and epilogue over the finished rows × NR block of C, still in L1: a separate loop rather than code in the
     * tiles, which C2 compiles poorly when the vector accumulators live across a call.
     */
    private static void finish(float[] c, int cOff, int ldc, int rows, float[] bias, int biasOff, float[] res,
                               int ep) {
        for (int i = 0; i < rows; i++) {
            int at = cOff + i * ldc;
            for (int j = 0; j < NR; j += L) {
                FloatVector v = FloatVector.fromArray(S, c, at + j);
                if (bias != null) {
                    v = v.add(FloatVector.fromArray(S, bias, biasOff + j));
                }
                if (ep == GELU) {
                    v = gelu(v);
                } else if (ep == QUICK_GELU) {
                    v = quickGelu(v);
                } else if (ep == RESIDUAL) {
                    v = v.add(FloatVector.fromArray(S, res, at + j));
                }
                v.intoArray(c, at + j);
            }
        }
    }

    /** Per-thread MR × NR tile for panels narrower than NR (reused, so no allocation per call). */
    private static final ThreadLocal<float[]> PARTIAL_TILE = ThreadLocal.withInitial(() -> new float[MR * NR]);

    /**
     * Last panel of a matrix whose width is not a multiple of NR (e.g. head width 88 = 5.5 panels): the packed panel
     * is zero-padded, so the full-width tiles run into a scratch tile and only the valid columns are copied out.
     */
    private static void partialPanel(float[] a, int aOff, int lda, int rows, int k, float[] b, int bOff,
                                     float[] c, int cOff, int ldc, int cols, float[] bias, int biasOff,
                                     float[] res, int ep) {
        float[] tile = PARTIAL_TILE.get();
        for (int i = 0; i < rows; i += MR) {
            int r = Math.min(MR, rows - i);
            if (r == MR) {
                tile6(a, aOff + i * lda, lda, k, b, bOff, tile, 0, NR);
            } else {
                for (int q = 0; q < r; q++) {
                    tile1(a, aOff + (i + q) * lda, k, b, bOff, tile, q * NR);
                }
            }
            copyPartial(tile, r, c, cOff + i * ldc, ldc, cols, bias, biasOff, res, ep);
        }
    }

    /** The valid {@code cols} columns of r scratch-tile rows into C, with bias and epilogue. */
    private static void copyPartial(float[] tile, int r, float[] c, int cOff, int ldc, int cols, float[] bias,
                                    int biasOff, float[] res, int ep) {
        for (int q = 0; q < r; q++) {
            int at = cOff + q * ldc;
            for (int j = 0; j < cols; j++) {
                float v = tile[q * NR + j] + (bias == null ? 0f : bias[biasOff + j]);
                c[at + j] = ep == GELU ? org.qpert.core.backend.Gelu.apply(v)
                        : ep == QUICK_GELU ? org.qpert.core.backend.QuickGelu.apply(v)
                        : ep == RESIDUAL ? v + res[at + j] : v;
            }
        }
    }

    // erf(x) on [-4, 4] as an odd/even rational function (the Eigen/XLA float erf); |error| < 1e-7 against
    // double erf, and erf(±4) rounds to ±1 in float anyway.
    private static final float A1 = -1.60960333262415e-02f, A3 = -2.95459980854025e-03f,
            A5 = -7.34990630326855e-04f, A7 = -5.69250639462346e-05f, A9 = -2.10102402082508e-06f,
            A11 = 2.77068142495902e-08f, A13 = -2.72614225801306e-10f;
    private static final float B0 = -1.42647390514189e-02f, B2 = -7.37332916720468e-03f,
            B4 = -1.68282697438203e-03f, B6 = -2.13374055278905e-04f, B8 = -1.45660718464996e-05f;
    private static final float INV_SQRT2 = 0.70710678118654752440f;

    static FloatVector erf(FloatVector v) {
        FloatVector x = v.max(-4f).min(4f);
        FloatVector x2 = x.mul(x);
        FloatVector p = x2.fma(A13, A11).fma(x2, FloatVector.broadcast(S, A9));
        p = p.fma(x2, FloatVector.broadcast(S, A7)).fma(x2, FloatVector.broadcast(S, A5));
        p = p.fma(x2, FloatVector.broadcast(S, A3)).fma(x2, FloatVector.broadcast(S, A1)).mul(x);
        FloatVector q = x2.fma(B8, B6).fma(x2, FloatVector.broadcast(S, B4));
        q = q.fma(x2, FloatVector.broadcast(S, B2)).fma(x2, FloatVector.broadcast(S, B0));
        return p.div(q);
    }

    static FloatVector gelu(FloatVector x) {
        FloatVector half = x.mul(0.5f);
        return half.fma(erf(x.mul(INV_SQRT2)), half);
    }

    /** {@code x·σ(1.702·x)} as {@code x / (1 + e^(−1.702·x))}. */
    static FloatVector quickGelu(FloatVector x) {
        return x.div(exp(x.mul(-org.qpert.core.backend.QuickGelu.ALPHA)).add(1f));
    }

    // exp(x) by range reduction x = n·ln2 + r, |r| ≤ ln2/2, a degree-6 polynomial for e^r (Cephes expf, relative
    // error ~1e-7) and 2^n built in the exponent bits. Inputs below -87 give ~1e-38 instead of 0, harmless in softmax.
    private static final float LOG2E = 1.44269504088896341f, LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    private static final float ROUND = 12582912f; // 1.5·2^23: adding it rounds to an integer in the low mantissa bits

    static FloatVector exp(FloatVector v) {
        FloatVector x = v.max(-87f).min(88f);
        FloatVector t = x.fma(LOG2E, ROUND);
        FloatVector n = t.sub(ROUND);
        FloatVector r = n.fma(FloatVector.broadcast(S, -LN2_HI), x);
        r = n.fma(FloatVector.broadcast(S, -LN2_LO), r);
        FloatVector y = r.fma(1.9875691500E-4f, 1.3981999507E-3f).fma(r, FloatVector.broadcast(S, 8.3334519073E-3f));
        y = y.fma(r, FloatVector.broadcast(S, 4.1665795894E-2f)).fma(r, FloatVector.broadcast(S, 1.6666665459E-1f));
        y = y.fma(r, FloatVector.broadcast(S, 5.0000001201E-1f));
        y = y.mul(r.mul(r)).add(r).add(1f);
        IntVector bits = t.reinterpretAsInts().sub(0x4B400000 - 127).lanewise(VectorOperators.LSHL, 23);
        return y.mul(bits.reinterpretAsFloats());
    }

    /**
     * Lane 0 + lane 1 + … in that order, in double. Not {@code reduceLanes(ADD)}: its order is unspecified, and on
     * JDK 25 the interpreter/C1 fallback (sequential) and the C2 intrinsic (a tree) round differently, so a result
     * would change after JIT warm-up.
     */
    static double sumLanes(FloatVector v) {
        double s = 0;
        for (int i = 0; i < L; i++) {
            s += v.lane(i);
        }
        return s;
    }

    /** Lane-by-lane maximum in a fixed order, so ±0 and NaN resolve the same way compiled or not. */
    static float maxLanes(FloatVector v) {
        float m = v.lane(0);
        for (int i = 1; i < L; i++) {
            m = Math.max(m, v.lane(i));
        }
        return m;
    }

    @Override
    public void gelu(float[] x, int xOff, float[] y, int yOff, int n) {
        int i = 0;
        for (; i + L <= n; i += L) {
            gelu(FloatVector.fromArray(S, x, xOff + i)).intoArray(y, yOff + i);
        }
        for (; i < n; i++) {
            y[yOff + i] = org.qpert.core.backend.Gelu.apply(x[xOff + i]);
        }
    }

    @Override
    public void add(float[] x, float[] z, float[] y, int off, int n) {
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector.fromArray(S, x, off + i).add(FloatVector.fromArray(S, z, off + i)).intoArray(y, off + i);
        }
        for (; i < n; i++) {
            y[off + i] = x[off + i] + z[off + i];
        }
    }

    @Override
    public void layerNormRow(float[] x, float[] residual, int off, int d, float[] gamma, float[] beta, float eps,
                             float[] y) {
        float[] src = x;
        if (residual != null) {
            add(x, residual, y, off, d);
            src = y;
        }
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i + L <= d; i += L) {
            acc = acc.add(FloatVector.fromArray(S, src, off + i));
        }
        double sum = sumLanes(acc);
        for (; i < d; i++) {
            sum += src[off + i];
        }
        float mean = (float) (sum / d);
        acc = FloatVector.zero(S);
        for (i = 0; i + L <= d; i += L) {
            FloatVector c = FloatVector.fromArray(S, src, off + i).sub(mean);
            acc = c.fma(c, acc);
        }
        double var = sumLanes(acc);
        for (; i < d; i++) {
            double c = src[off + i] - mean;
            var += c * c;
        }
        float inv = (float) (1.0 / Math.sqrt(var / d + eps));
        for (i = 0; i + L <= d; i += L) {
            FloatVector c = FloatVector.fromArray(S, src, off + i).sub(mean).mul(inv);
            c.fma(FloatVector.fromArray(S, gamma, i), FloatVector.fromArray(S, beta, i)).intoArray(y, off + i);
        }
        for (; i < d; i++) {
            y[off + i] = (src[off + i] - mean) * inv * gamma[i] + beta[i];
        }
    }

    @Override
    public void softmaxRow(float[] s, int off, int n, float scale, float[] keyBias) {
        int i = 0;
        FloatVector mx = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (; i + L <= n; i += L) {
            FloatVector v = FloatVector.fromArray(S, s, off + i).mul(scale);
            if (keyBias != null) {
                v = v.add(FloatVector.fromArray(S, keyBias, i));
            }
            v.intoArray(s, off + i);
            mx = mx.max(v);
        }
        float max = maxLanes(mx);
        for (; i < n; i++) {
            float v = s[off + i] * scale + (keyBias == null ? 0f : keyBias[i]);
            s[off + i] = v;
            max = Math.max(max, v);
        }
        FloatVector acc = FloatVector.zero(S);
        for (i = 0; i + L <= n; i += L) {
            FloatVector e = exp(FloatVector.fromArray(S, s, off + i).sub(max));
            e.intoArray(s, off + i);
            acc = acc.add(e);
        }
        double sum = sumLanes(acc);
        for (; i < n; i++) {
            float e = (float) Math.exp(s[off + i] - max);
            s[off + i] = e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (i = 0; i + L <= n; i += L) {
            FloatVector.fromArray(S, s, off + i).mul(inv).intoArray(s, off + i);
        }
        for (; i < n; i++) {
            s[off + i] *= inv;
        }
    }

    @Override
    public void addOuterProducts(float[] x, int[] rows, float[] w, int count, int n, float[] p, int pOff) {
        for (int r = 0; r < n; r++) {
            int pr = pOff + r * n, c = 0;
            // Four vectors of row r of p stay in registers over all count rows of x: one load and one FMA per vector.
            for (; c + 4 * L <= n; c += 4 * L) {
                FloatVector a0 = FloatVector.fromArray(S, p, pr + c), a1 = FloatVector.fromArray(S, p, pr + c + L);
                FloatVector a2 = FloatVector.fromArray(S, p, pr + c + 2 * L);
                FloatVector a3 = FloatVector.fromArray(S, p, pr + c + 3 * L);
                for (int i = 0; i < count; i++) {
                    int o = rows[i] + c;
                    FloatVector s = FloatVector.broadcast(S, w[i] * x[rows[i] + r]);
                    a0 = FloatVector.fromArray(S, x, o).fma(s, a0);
                    a1 = FloatVector.fromArray(S, x, o + L).fma(s, a1);
                    a2 = FloatVector.fromArray(S, x, o + 2 * L).fma(s, a2);
                    a3 = FloatVector.fromArray(S, x, o + 3 * L).fma(s, a3);
                }
                a0.intoArray(p, pr + c);
                a1.intoArray(p, pr + c + L);
                a2.intoArray(p, pr + c + 2 * L);
                a3.intoArray(p, pr + c + 3 * L);
            }
            for (; c + L <= n; c += L) {
                FloatVector a = FloatVector.fromArray(S, p, pr + c);
                for (int i = 0; i < count; i++) {
                    a = FloatVector.fromArray(S, x, rows[i] + c).fma(FloatVector.broadcast(S, w[i] * x[rows[i] + r]), a);
                }
                a.intoArray(p, pr + c);
            }
            for (; c < n; c++) {
                float a = p[pr + c];
                for (int i = 0; i < count; i++) {
                    a = Math.fma(w[i] * x[rows[i] + r], x[rows[i] + c], a);
                }
                p[pr + c] = a;
            }
        }
    }

    @Override
    public void combineRows(float[] x, int[] rows, float[] w, int count, int n, float[] y, int yOff) {
        int c = 0;
        for (; c + 4 * L <= n; c += 4 * L) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            for (int i = 0; i < count; i++) {
                int o = rows[i] + c;
                FloatVector s = FloatVector.broadcast(S, w[i]);
                a0 = FloatVector.fromArray(S, x, o).fma(s, a0);
                a1 = FloatVector.fromArray(S, x, o + L).fma(s, a1);
                a2 = FloatVector.fromArray(S, x, o + 2 * L).fma(s, a2);
                a3 = FloatVector.fromArray(S, x, o + 3 * L).fma(s, a3);
            }
            a0.intoArray(y, yOff + c);
            a1.intoArray(y, yOff + c + L);
            a2.intoArray(y, yOff + c + 2 * L);
            a3.intoArray(y, yOff + c + 3 * L);
        }
        for (; c + L <= n; c += L) {
            FloatVector a = FloatVector.zero(S);
            for (int i = 0; i < count; i++) {
                a = FloatVector.fromArray(S, x, rows[i] + c).fma(FloatVector.broadcast(S, w[i]), a);
            }
            a.intoArray(y, yOff + c);
        }
        for (; c < n; c++) {
            float a = 0f;
            for (int i = 0; i < count; i++) {
                a = Math.fma(w[i], x[rows[i] + c], a);
            }
            y[yOff + c] = a;
        }
    }

    @Override
    public double dot(float[] x, int xOff, float[] y, int yOff, int n) {
        FloatVector acc = FloatVector.zero(S);
        int c = 0;
        for (; c + L <= n; c += L) {
            acc = FloatVector.fromArray(S, x, xOff + c).fma(FloatVector.fromArray(S, y, yOff + c), acc);
        }
        double s = sumLanes(acc);
        for (; c < n; c++) {
            s += x[xOff + c] * y[yOff + c];
        }
        return s;
    }
}
