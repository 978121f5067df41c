package org.qpert.core.backend.cpu;

import org.qpert.core.backend.Gelu;
import org.qpert.core.backend.Half;
import org.qpert.core.backend.QuickGelu;

/**
 * Plain-Java kernels for JVMs without the Vector API module: same packed layout and blocking as the vector build,
 * one output row × panel at a time so the JIT can keep the row's accumulators in registers.
 */
final class ScalarKernels implements Kernels {
    private static final int NR = 16;

    @Override
    public String describe() {
        return "scalar, panel " + NR;
    }

    @Override
    public int panelWidth() {
        return NR;
    }

    @Override
    public void panel(float[] a, int aOff, int lda, int rows, int k, float[] b, int bOff,
                      float[] c, int cOff, int ldc, int cols, float[] bias, int biasOff, float[] residual, int epilogue) {
        panelScalar(NR, a, aOff, lda, rows, k, b, bOff, c, cOff, ldc, cols, bias, biasOff, residual, epilogue);
    }

    static void panelScalar(int nr, float[] a, int aOff, int lda, int rows, int k, float[] b, int bOff,
                            float[] c, int cOff, int ldc, int cols, float[] bias, int biasOff, float[] res, int ep) {
        for (int i = 0; i < rows; i++) {
            int ar = aOff + i * lda, cr = cOff + i * ldc;
            for (int j = 0; j < cols; j++) {
                float s = 0f;
                for (int p = 0, bo = bOff + j; p < k; p++, bo += nr) {
                    s = Math.fma(a[ar + p], b[bo], s);
                }
                c[cr + j] = finish(s, bias == null ? 0f : bias[biasOff + j], res, cr + j, ep);
            }
        }
    }

    @Override
    public void panel16(float[] a, int aOff, int lda, int rows, int k, short[] b, int bOff, boolean f16,
                        float[] c, int cOff, int ldc, int cols, float[] bias, int biasOff, float[] res, int ep) {
        for (int i = 0; i < rows; i++) {
            int ar = aOff + i * lda, cr = cOff + i * ldc;
            for (int j = 0; j < cols; j++) {
                float s = 0f;
                for (int p = 0, bo = bOff + j; p < k; p++, bo += NR) {
                    float w = f16 ? Half.f16ToFloatFinite(b[bo]) : Half.bf16ToFloat(b[bo]);
                    s = Math.fma(a[ar + p], w, s);
                }
                c[cr + j] = finish(s, bias == null ? 0f : bias[biasOff + j], res, cr + j, ep);
            }
        }
    }

    private static float finish(float s, float bias, float[] res, int at, int ep) {
        float v = s + bias;
        return switch (ep) {
            case GELU -> Gelu.apply(v);
            case QUICK_GELU -> QuickGelu.apply(v);
            case RESIDUAL -> v + res[at];
            default -> v;
        };
    }

    @Override
    public void gelu(float[] x, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i++) {
            y[yOff + i] = Gelu.apply(x[xOff + i]);
        }
    }

    @Override
    public void add(float[] x, float[] z, float[] y, int off, int n) {
        for (int i = off; i < off + n; i++) {
            y[i] = x[i] + z[i];
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
        double sum = 0;
        for (int i = 0; i < d; i++) {
            sum += src[off + i];
        }
        double mean = sum / d, var = 0;
        for (int i = 0; i < d; i++) {
            double c = src[off + i] - mean;
            var += c * c;
        }
        double inv = 1.0 / Math.sqrt(var / d + eps);
        for (int i = 0; i < d; i++) {
            y[off + i] = (float) ((src[off + i] - mean) * inv) * gamma[i] + beta[i];
        }
    }

    @Override
    public void softmaxRow(float[] s, int off, int n, float scale, float[] keyBias) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            float v = s[off + i] * scale + (keyBias == null ? 0f : keyBias[i]);
            s[off + i] = v;
            max = Math.max(max, v);
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(s[off + i] - max);
            s[off + i] = e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int i = 0; i < n; i++) {
            s[off + i] *= inv;
        }
    }

    @Override
    public void addOuterProducts(float[] x, int[] rows, float[] w, int count, int n, float[] p, int pOff) {
        for (int i = 0; i < count; i++) {
            int o = rows[i];
            for (int r = 0; r < n; r++) {
                float s = w[i] * x[o + r];
                int pr = pOff + r * n;
                for (int c = 0; c < n; c++) {
                    p[pr + c] = Math.fma(s, x[o + c], p[pr + c]);
                }
            }
        }
    }

    @Override
    public void combineRows(float[] x, int[] rows, float[] w, int count, int n, float[] y, int yOff) {
        java.util.Arrays.fill(y, yOff, yOff + n, 0f);
        for (int i = 0; i < count; i++) {
            int o = rows[i];
            for (int c = 0; c < n; c++) {
                y[yOff + c] = Math.fma(w[i], x[o + c], y[yOff + c]);
            }
        }
    }

    @Override
    public double dot(float[] x, int xOff, float[] y, int yOff, int n) {
        double s = 0;
        for (int c = 0; c < n; c++) {
            s += x[xOff + c] * y[yOff + c];
        }
        return s;
    }
}
