package org.qpert.core.backend;

/**
 * The row-wise math of the LLaMA-style ops ({@link Backend#rmsNorm}, {@link Backend#rotary}, {@link Backend#swiGlu},
 * {@link Backend#scaledResidual}) on host arrays, over a range of rows: the composed defaults run it on the whole
 * tensor, the CPU backend on row blocks in parallel. Float32 results; sums that decide parity in double.
 */
public final class RowOps {
    private RowOps() {
    }

    /** Row at {@code at} of width {@code d}: {@code y = x / sqrt(mean(x²) + eps) ⊙ g}. */
    public static void rmsNorm(float[] x, int at, int d, float[] g, float eps, float[] y) {
        double ss = 0;
        for (int k = 0; k < d; k++) {
            ss += (double) x[at + k] * x[at + k];
        }
        // as torch: the row times rsqrt(variance + eps) in float32, then the weight
        float inv = (float) (1.0 / Math.sqrt((float) (ss / d) + eps));
        for (int k = 0; k < d; k++) {
            y[at + k] = g[k] * (x[at + k] * inv);
        }
    }

    /** Rotary embedding of rows {@code r0..r1−1} of x [rows, cols] (H heads of d) into y. */
    public static void rotary(float[] x, float[] y, int rows, int cols, int heads, int d, int[] positions,
                              double base, int r0, int r1) {
        int half = d / 2;
        float[] inv = inverseFrequencies(d, base);
        float[] cos = new float[half], sin = new float[half];
        for (int r = r0; r < r1; r++) {
            for (int j = 0; j < half; j++) {
                float angle = (float) positions[r] * inv[j];
                cos[j] = (float) Math.cos(angle);
                sin[j] = (float) Math.sin(angle);
            }
            for (int h = 0; h < heads; h++) {
                int o = r * cols + h * d;
                for (int j = 0; j < half; j++) {
                    float a = x[o + j], b = x[o + half + j];
                    y[o + j] = a * cos[j] - b * sin[j];
                    y[o + half + j] = b * cos[j] + a * sin[j];
                }
            }
        }
    }

    /** {@code 1 / base^(2j/d)} in float32, as {@code LlamaRotaryEmbedding} computes {@code inv_freq}. */
    static float[] inverseFrequencies(int d, double base) {
        float[] inv = new float[d / 2];
        for (int j = 0; j < inv.length; j++) {
            float exponent = (float) (2 * j) / d;
            inv[j] = (float) (1.0 / (float) Math.pow(base, exponent));
        }
        return inv;
    }

    /** Rows {@code r0..r1−1}: {@code y[r, j] = SiLU(x[r, j]) · x[r, F + j]} for x [rows, 2F], y [rows, F]. */
    public static void swiGlu(float[] x, float[] y, int f, int r0, int r1) {
        for (int r = r0; r < r1; r++) {
            int in = r * 2 * f, out = r * f;
            for (int j = 0; j < f; j++) {
                float g = x[in + j];
                float silu = (float) (g / (1.0 + Math.exp(-g)));
                y[out + j] = silu * x[in + f + j];
            }
        }
    }

    /** Rows {@code r0..r1−1}: {@code y = x ⊙ s + residual} with s one value per column. */
    public static void scaledResidual(float[] x, float[] s, float[] residual, float[] y, int cols, int r0, int r1) {
        for (int r = r0; r < r1; r++) {
            for (int k = 0, o = r * cols; k < cols; k++, o++) {
                y[o] = x[o] * s[k] + residual[o];
            }
        }
    }
}
