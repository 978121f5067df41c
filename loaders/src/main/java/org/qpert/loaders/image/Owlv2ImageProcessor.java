package org.qpert.loaders.image;

/**
 * HF {@code Owlv2ImageProcessor} (spec OWLV2.md §3): rescale by 1/255, pad to a square of side s = max(H, W) at the
 * bottom and right with 0.5, Gaussian anti-aliasing when downscaling (scipy {@code gaussian_filter}, mirror
 * boundaries), linear resize to S x S (scipy {@code zoom(order=1, grid_mode=True, mode='mirror')}), clip to the
 * padded image's range, CLIP normalization, channels first.
 *
 * <p>Filter and zoom are linear and separable, so per axis they are folded into one resampling matrix: output
 * index o is {@code (1 - φ) g(i0) + φ g(i0 + 1)} with g the Gaussian-filtered signal, i.e. a kernel of 2r + 2 taps
 * on input positions i0 - r .. i0 + 1 + r (input indices mirrored). A mirrored i0 needs no special case: the
 * filtered mirror extension equals the filter of the mirrored input, the kernel being symmetric. The image is then
 * resampled along rows into an s x S intermediate and along columns into the output; the padding is never
 * materialized beyond one row buffer. Arithmetic is in double from the float32 rescaled values the reference
 * filters; the reference rounds to float32 between passes, which is far below the 1e-5 the fixtures check.
 */
public final class Owlv2ImageProcessor {

    /** scipy {@code gaussian_filter}'s default {@code truncate}: the kernel radius is int(4σ + 0.5). */
    private static final double TRUNCATE = 4.0;
    private static final double PAD_VALUE = 0.5;

    private final int size;

    public Owlv2ImageProcessor(int size) {
        if (size < 1 || size > ClipImageProcessor.MAX_SIZE) {
            throw new IllegalArgumentException("image size must be in 1.." + ClipImageProcessor.MAX_SIZE + ", got "
                    + size);
        }
        this.size = size;
    }

    public int size() {
        return size;
    }

    /** {@code [3, S, S]} float pixel values, channels first. */
    public float[] pixelValues(RgbImage image) {
        int w = image.width();
        int h = image.height();
        int s = Math.max(w, h);
        Resampling axis = Resampling.of(s, size);
        double[] level = rescaledLevels();

        // Pass 1, along rows: every input row (padding rows included) -> S columns, [s][3][S].
        float[] rows = new float[Math.multiplyExact(Math.multiplyExact(s, 3), size)];
        double[] padded = new double[3 * s];
        byte[] px = image.pixels();
        for (int y = 0; y < s; y++) {
            for (int c = 0; c < 3; c++) {
                int base = c * s;
                if (y < h) {
                    for (int x = 0; x < w; x++) {
                        padded[base + x] = level[px[(y * w + x) * 3 + c] & 0xFF];
                    }
                    java.util.Arrays.fill(padded, base + w, base + s, PAD_VALUE);
                } else {
                    java.util.Arrays.fill(padded, base, base + s, PAD_VALUE);
                }
                int out = (y * 3 + c) * size;
                for (int o = 0; o < size; o++) {
                    rows[out + o] = (float) axis.apply(o, padded, base);
                }
            }
        }

        // Pass 2, along columns: S output rows, each a weighted sum of 2r + 2 intermediate rows.
        double min = Double.MAX_VALUE;
        double max = -Double.MAX_VALUE;
        for (byte b : px) {
            min = Math.min(min, level[b & 0xFF]);
            max = Math.max(max, level[b & 0xFF]);
        }
        if (s > w || s > h) {
            min = Math.min(min, PAD_VALUE);
            max = Math.max(max, PAD_VALUE);
        }
        int plane = size * size;
        float[] out = new float[3 * plane];
        double[] acc = new double[size];
        for (int o = 0; o < size; o++) {
            for (int c = 0; c < 3; c++) {
                java.util.Arrays.fill(acc, 0);
                for (int k = 0; k < axis.taps; k++) {
                    double wk = axis.weight[o * axis.taps + k];
                    int from = (axis.index[o * axis.taps + k] * 3 + c) * size;
                    for (int x = 0; x < size; x++) {
                        acc[x] += wk * rows[from + x];
                    }
                }
                float mean = ClipImageProcessor.CLIP_MEAN[c];
                float std = ClipImageProcessor.CLIP_STD[c];
                int to = c * plane + o * size;
                for (int x = 0; x < size; x++) {
                    float v = (float) Math.min(max, Math.max(min, acc[x]));
                    out[to + x] = (v - mean) / std;
                }
            }
        }
        return out;
    }

    /** 0..255 rescaled as HF does (float64 product rounded to float32), as doubles. */
    private static double[] rescaledLevels() {
        double[] level = new double[256];
        for (int i = 0; i < 256; i++) {
            level[i] = (float) (i * (1.0 / 255));
        }
        return level;
    }

    /** scipy's mirror boundary: reflect about the edge samples' centres (-1 -> 1, n -> n - 2), periodic. */
    static int mirror(int i, int n) {
        if (n == 1) {
            return 0;
        }
        int period = 2 * (n - 1);
        int m = Math.floorMod(i, period);
        return m < n ? m : period - m;
    }

    /** Gaussian anti-aliasing followed by linear zoom along one axis, as a sparse {@code [S, s]} matrix. */
    static final class Resampling {
        final int taps;
        /** {@code [S, taps]}: input index (already mirrored) and weight of each tap. */
        final int[] index;
        final double[] weight;

        private Resampling(int taps, int[] index, double[] weight) {
            this.taps = taps;
            this.index = index;
            this.weight = weight;
        }

        static Resampling of(int in, int out) {
            double factor = (double) in / out;
            double[] gauss = gaussian(Math.max(0, (factor - 1) / 2));
            int r = gauss.length / 2;
            int taps = 2 * r + 2;
            int[] index = new int[out * taps];
            double[] weight = new double[out * taps];
            for (int o = 0; o < out; o++) {
                double c = (o + 0.5) * factor - 0.5;
                int i0 = (int) Math.floor(c);
                double phi = c - i0;
                // Tap k covers input position i0 - r + k: (1 - φ)·g[k] from i0's filter, φ·g[k - 1] from i0 + 1's.
                for (int k = 0; k < taps; k++) {
                    double wk = (k < taps - 1 ? (1 - phi) * gauss[k] : 0) + (k > 0 ? phi * gauss[k - 1] : 0);
                    index[o * taps + k] = mirror(i0 - r + k, in);
                    weight[o * taps + k] = wk;
                }
            }
            return new Resampling(taps, index, weight);
        }

        /** scipy {@code _gaussian_kernel1d}: exp(-t²/2σ²), t = -r..r, r = int(4σ + 0.5), normalized; [1] if σ = 0. */
        static double[] gaussian(double sigma) {
            if (sigma <= 1e-15) {
                return new double[]{1};
            }
            int r = (int) (TRUNCATE * sigma + 0.5);
            double[] g = new double[2 * r + 1];
            double sum = 0;
            for (int t = -r; t <= r; t++) {
                g[t + r] = Math.exp(-0.5 / (sigma * sigma) * t * t);
                sum += g[t + r];
            }
            for (int i = 0; i < g.length; i++) {
                g[i] /= sum;
            }
            return g;
        }

        /** Output sample o of the signal {@code x[base .. base + in)}. */
        double apply(int o, double[] x, int base) {
            double acc = 0;
            int at = o * taps;
            for (int k = 0; k < taps; k++) {
                acc += weight[at + k] * x[base + index[at + k]];
            }
            return acc;
        }
    }
}
