package org.qpert.kernels;

/**
 * Plain-Java references for the kernels the CPU backend has no op for (token weights, key moments, Gram matrices,
 * the folded query weight, gallery ITC scores). Written from spec/QPERT.md, checked against the fixtures in
 * {@link KernelReferencesTest}, then used by the GPU tests.
 */
final class KernelReferences {
    private KernelReferences() {
    }

    /** MASK_RESIZE token weights [T] of one box (x0, y0, x1, y1 in original pixels) on an H×W image → S×S. */
    static float[] tokenWeights(float x0, float y0, float x1, float y1, int h, int w, int s, int p) {
        boolean[] rows = resizedHits(h, s, sliceBound((int) y0, h), sliceBound((int) y1, h));
        boolean[] cols = resizedHits(w, s, sliceBound((int) x0, w), sliceBound((int) x1, w));
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

    /** Python slice semantics of mask[lo:hi]: a negative bound counts from the end. */
    static int sliceBound(int v, int n) {
        return v < 0 ? Math.max(0, v + n) : Math.min(v, n);
    }

    /** Which of the s resized rows are positive when source rows lo..hi-1 of n are 1 (bilinear, float32). */
    static boolean[] resizedHits(int n, int s, int lo, int hi) {
        float scale = (float) n / (float) s;
        boolean[] hit = new boolean[s];
        for (int o = 0; o < s; o++) {
            float src = Math.max(0f, scale * ((float) o + 0.5f) - 0.5f);
            int i0 = (int) src, i1 = Math.min(i0 + 1, n - 1);
            float f = src - i0;
            hit[o] = (lo <= i0 && i0 < hi) || (f > 0f && lo <= i1 && i1 < hi);
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
