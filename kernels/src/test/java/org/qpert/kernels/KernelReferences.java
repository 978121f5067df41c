package org.qpert.kernels;

import org.qpert.core.qpert.Box;

/**
 * Plain-Java references for the kernels the CPU backend has no op for (token weights, key moments, Gram matrices,
 * the folded query weight, gallery ITC scores). Written from spec/QPERT.md, checked against the fixtures in
 * {@link KernelReferencesTest}, then used by the GPU tests.
 */
final class KernelReferences {
    private KernelReferences() {
    }

    /**
     * MASK_RESIZE token weights [T] of one box (x0, y0, x1, y1 in original pixels) on an H×W image → S×S, as
     * token_coverage.cu computes them: the box clipped by {@link Box#clipTo}, bounds truncated, per axis the resized
     * rows hit (float32 scale, double source coordinate), coverage = hit rows · hit columns / p².
     */
    static float[] tokenWeights(double x0, double y0, double x1, double y1, int h, int w, int s, int p) {
        Box b = new Box(x0, y0, x1, y1).clipTo(h, w);
        boolean[] rows = resizedHits(h, s, (long) b.y0(), (long) b.y1());
        boolean[] cols = resizedHits(w, s, (long) b.x0(), (long) b.x1());
        int g = s / p;
        float[] out = new float[1 + g * g];
        for (int gy = 0; gy < g; gy++) {
            for (int gx = 0; gx < g; gx++) {
                int r = 0, c = 0;
                for (int k = 0; k < p; k++) {
                    r += rows[gy * p + k] ? 1 : 0;
                    c += cols[gx * p + k] ? 1 : 0;
                }
                out[1 + gy * g + gx] = (float) (r * c) / (float) (p * p);
            }
        }
        return out;
    }

    /** Which of the s resized rows are positive when source rows first..end-1 of n are 1 (resized_hit). */
    static boolean[] resizedHits(int n, int s, long first, long end) {
        double scale = (float) n / (float) s;
        boolean[] hit = new boolean[s];
        for (int o = 0; o < s; o++) {
            double src = Math.max(0, scale * (o + 0.5) - 0.5);
            int i0 = Math.min((int) Math.floor(src), n - 1), i1 = Math.min(i0 + 1, n - 1);
            double lambda1 = Math.min(Math.max(src - i0, 0), 1), lambda0 = 1 - lambda1;
            hit[o] = (lambda0 > 0 && first <= i0 && i0 < end) || (lambda1 > 0 && first <= i1 && i1 < end);
        }
        return hit;
    }

    /** Rows of F = diag(w)·K (float32 products) of the tokens with w > 0, in token order: [n, width]. */
    static float[] weightedKeys(float[] keys, float[] weights, int width) {
        int n = 0;
        for (float w : weights) {
            n += w > 0 ? 1 : 0;
        }
        float[] f = new float[n * width];
        int row = 0;
        for (int t = 0; t < weights.length; t++) {
            if (weights[t] > 0) {
                for (int c = 0; c < width; c++) {
                    f[row * width + c] = weights[t] * keys[t * width + c];
                }
                row++;
            }
        }
        return f;
    }

    /** R = F_hᵀF_h per head in double: [heads, d, d]. */
    static double[] keyMoments(float[] f, int rows, int heads, int d) {
        int width = heads * d;
        double[] r = new double[heads * d * d];
        for (int h = 0; h < heads; h++) {
            for (int a = 0; a < d; a++) {
                for (int c = 0; c < d; c++) {
                    double s = 0;
                    for (int i = 0; i < rows; i++) {
                        s += (double) f[i * width + h * d + a] * f[i * width + h * d + c];
                    }
                    r[(h * d + a) * d + c] = s;
                }
            }
        }
        return r;
    }

    /** G = F_hF_hᵀ per head in double, zero-padded to m×m: [heads, m, m]. */
    static double[] keyGram(float[] f, int rows, int heads, int d, int m) {
        int width = heads * d;
        double[] g = new double[heads * m * m];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < rows; j++) {
                    double s = 0;
                    for (int c = 0; c < d; c++) {
                        s += (double) f[i * width + h * d + c] * f[j * width + h * d + c];
                    }
                    g[(h * m + i) * m + j] = s;
                }
            }
        }
        return g;
    }

    /**
     * gram_vectors for one problem: u_i = Fᵀv_i / ‖Fᵀv_i‖ (head slice, double) for the first {@code kept} Gram
     * eigenvectors (rows of {@code v} [m, m] at {@code vOff}); f holds the object's n weighted key rows [n, heads·d].
     */
    static double[] gramVectors(double[] v, int vOff, int m, float[] f, int n, int heads, int d, int head, int kept) {
        double[] u = new double[m * d];
        for (int i = 0; i < kept; i++) {
            double norm = 0;
            for (int c = 0; c < d; c++) {
                double s = 0;
                for (int a = 0; a < n; a++) {
                    s += v[vOff + i * m + a] * (double) f[a * heads * d + head * d + c];
                }
                u[i * d + c] = s;
                norm += s * s;
            }
            norm = Math.sqrt(norm);
            for (int c = 0; c < d; c++) {
                u[i * d + c] /= norm;
            }
        }
        return u;
    }

    /** accumulate_projectors for one (layer, head) block and one problem: p[r][c] += (s·u_i[r])·u_i[c], r ≤ c. */
    static void accumulateProjector(double[] p, int pOff, double[] basis, int bOff, int kept, double scale, int d) {
        for (int e = 0; e < d * d; e++) {
            int r = e / d, c = e % d;
            if (c < r) {
                continue;
            }
            double acc = p[pOff + e];
            for (int i = 0; i < kept; i++) {
                acc += (scale * basis[bOff + i * d + r]) * basis[bOff + i * d + c];
            }
            p[pOff + e] = acc;
        }
    }

    /** W'q = (I + P̄_h)·Wq per head (summed in double): wq [heads·d, in], pbar [heads·d, d]. */
    static float[] foldQueryWeight(float[] wq, float[] pbar, int heads, int d, int in) {
        float[] out = new float[wq.length];
        for (int h = 0; h < heads; h++) {
            for (int r = 0; r < d; r++) {
                for (int j = 0; j < in; j++) {
                    double s = wq[(h * d + r) * in + j];
                    for (int c = 0; c < d; c++) {
                        s += (double) pbar[(h * d + r) * d + c] * wq[(h * d + c) * in + j];
                    }
                    out[(h * d + r) * in + j] = (float) s;
                }
            }
        }
        return out;
    }

    static float[] transpose(float[] x, int rows, int cols) {
        float[] t = new float[x.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                t[j * rows + i] = x[i * cols + j];
            }
        }
        return t;
    }
}
