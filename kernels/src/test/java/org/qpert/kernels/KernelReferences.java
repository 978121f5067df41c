package org.qpert.kernels;

/**
 * Plain-Java references for the kernels the CPU backend has no op for (weighted keys, key moments, Gram matrices, the
 * Gram eigenvectors' mapping, the projector sums). Written from spec/QPERT.md, checked against the spec's toy check
 * and core's host path in {@link KernelReferencesTest} and against the fixtures in
 * {@link QpertFixtureReferenceTest}, then used by the GPU tests.
 */
final class KernelReferences {
    private KernelReferences() {
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
}
