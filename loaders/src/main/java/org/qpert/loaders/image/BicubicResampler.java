package org.qpert.loaders.image;

/**
 * Resizes 8-bit RGB images exactly as Pillow's {@code Image.resize(size, BICUBIC)} (reducing_gap None) does: a
 * separable convolution whose support widens with the downscale factor, coefficients normalized per output pixel
 * and turned into 22-bit fixed point, a horizontal pass whose results are clamped to bytes, then a vertical pass.
 * An axis whose size does not change is not filtered at all, as in Pillow.
 */
public final class BicubicResampler {

    /** Fixed-point fraction bits: 32 bits minus 8 for the pixel value minus 2 for the filter's overshoot. */
    private static final int PRECISION_BITS = 32 - 8 - 2;
    /** Support of the bicubic kernel at scale 1, in input pixels either side of the centre. */
    private static final double BICUBIC_SUPPORT = 2.0;
    /** Catmull-Rom's a = -0.5, Pillow's choice. */
    private static final double A = -0.5;

    private BicubicResampler() {
    }

    public static RgbImage resize(RgbImage image, int width, int height) {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("target size must be positive, got " + width + " x " + height);
        }
        Taps vertical = Taps.of(image.height(), height);
        int firstRow = vertical.start[0];
        int endRow = vertical.start[height - 1] + vertical.count[height - 1];
        byte[] rows = image.pixels();
        int rowOffset = 0;
        int rowsWidth = image.width();
        if (width != image.width()) {
            // Only the rows the vertical pass will read are filtered horizontally.
            rows = horizontal(image, Taps.of(image.width(), width), firstRow, endRow);
            rowOffset = firstRow;
            rowsWidth = width;
        }
        if (height == image.height()) {
            return new RgbImage(width, height, rows == image.pixels() ? rows.clone() : rows);
        }
        return new RgbImage(width, height, vertical(rows, rowsWidth, rowOffset, vertical));
    }

    private static byte[] horizontal(RgbImage image, Taps taps, int firstRow, int endRow) {
        byte[] in = image.pixels();
        int inStride = image.width() * 3;
        int outWidth = taps.start.length;
        byte[] out = new byte[(endRow - firstRow) * outWidth * 3];
        int half = 1 << (PRECISION_BITS - 1);
        for (int y = firstRow; y < endRow; y++) {
            int inRow = y * inStride;
            int outPos = (y - firstRow) * outWidth * 3;
            for (int xx = 0; xx < outWidth; xx++) {
                int k = xx * taps.size;
                int p = inRow + taps.start[xx] * 3;
                int r = half;
                int g = half;
                int b = half;
                for (int i = 0; i < taps.count[xx]; i++, p += 3) {
                    int w = taps.weights[k + i];
                    r += (in[p] & 0xFF) * w;
                    g += (in[p + 1] & 0xFF) * w;
                    b += (in[p + 2] & 0xFF) * w;
                }
                out[outPos++] = clip8(r);
                out[outPos++] = clip8(g);
                out[outPos++] = clip8(b);
            }
        }
        return out;
    }

    private static byte[] vertical(byte[] in, int width, int rowOffset, Taps taps) {
        int stride = width * 3;
        int outHeight = taps.start.length;
        byte[] out = new byte[outHeight * stride];
        int half = 1 << (PRECISION_BITS - 1);
        for (int yy = 0; yy < outHeight; yy++) {
            int k = yy * taps.size;
            int firstIn = (taps.start[yy] - rowOffset) * stride;
            int outRow = yy * stride;
            for (int x = 0; x < stride; x++) {
                int acc = half;
                int p = firstIn + x;
                for (int i = 0; i < taps.count[yy]; i++, p += stride) {
                    acc += (in[p] & 0xFF) * taps.weights[k + i];
                }
                out[outRow + x] = clip8(acc);
            }
        }
        return out;
    }

    /** Pillow's {@code clip8}: drop the fraction (arithmetic shift, i.e. floor) and clamp to 0..255. */
    private static byte clip8(int acc) {
        int v = acc >> PRECISION_BITS;
        return (byte) (v < 0 ? 0 : Math.min(v, 255));
    }

    static double bicubic(double x) {
        if (x < 0.0) {
            x = -x;
        }
        if (x < 1.0) {
            return ((A + 2.0) * x - (A + 3.0)) * x * x + 1;
        }
        if (x < 2.0) {
            return (((x - 5) * x + 8) * x - 4) * A;
        }
        return 0.0;
    }

    /**
     * The filter of one axis: for output pixel o, {@code count[o]} input pixels from {@code start[o]} with
     * fixed-point weights {@code weights[o * size + i]}.
     */
    static final class Taps {
        final int[] start;
        final int[] count;
        final int[] weights;
        final int size;

        private Taps(int[] start, int[] count, int[] weights, int size) {
            this.start = start;
            this.count = count;
            this.weights = weights;
            this.size = size;
        }

        static Taps of(int inSize, int outSize) {
            // Pillow computes (in1 - in0) in float, then divides in double: identical for sizes below 2^24.
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = BICUBIC_SUPPORT * filterScale;
            int size = (int) Math.ceil(support) * 2 + 1;
            int[] start = new int[outSize];
            int[] count = new int[outSize];
            int[] weights = new int[outSize * size];
            double[] k = new double[size];
            double inverseScale = 1.0 / filterScale;
            for (int o = 0; o < outSize; o++) {
                double center = (o + 0.5) * scale;
                int min = Math.max((int) (center - support + 0.5), 0);
                int n = Math.min((int) (center + support + 0.5), inSize) - min;
                double sum = 0.0;
                for (int i = 0; i < n; i++) {
                    k[i] = bicubic((i + min - center + 0.5) * inverseScale);
                    sum += k[i];
                }
                for (int i = 0; i < n; i++) {
                    double normalized = sum != 0.0 ? k[i] / sum : k[i];
                    double fixed = normalized * (1 << PRECISION_BITS);
                    // C's (int) cast truncates toward zero, as Java's does; the +-0.5 makes it round half away.
                    weights[o * size + i] = (int) (normalized < 0 ? fixed - 0.5 : fixed + 0.5);
                }
                start[o] = min;
                count[o] = n;
            }
            return new Taps(start, count, weights, size);
        }
    }
}
