package org.qpert.core.qpert;

/**
 * Soft token weights of a box: for each of the ViT's T = 1 + G² tokens the fraction of its patch the box covers
 * (spec/QPERT.md §3); token 0 (CLS) always gets 0.
 *
 * <p>Both modes are separable: the box mask is the outer product of a row interval and a column interval, and the
 * bilinear resize and the per-patch mean act on each axis alone (a product of non-negative terms is positive exactly
 * when both factors are). So MASK_RESIZE costs O(S) instead of the reference's O(H·W + S²), allocates nothing sized
 * by the image, and gives the same result.
 */
public final class TokenCoverage {

    private TokenCoverage() {
    }

    /**
     * Token weights of {@code box} in an image of {@code height × width} original pixels, preprocessed to
     * {@code imageSize × imageSize} with {@code patchSize} patches. The box is first clipped to the image
     * ({@link Box#clipTo}, which rejects a box outside it).
     */
    public static float[] weights(Box box, int height, int width, int imageSize, int patchSize, CoverageMode mode) {
        if (patchSize <= 0 || imageSize <= 0 || imageSize % patchSize != 0) {
            throw new IllegalArgumentException("image size " + imageSize + " is not a positive multiple of patch size "
                    + patchSize);
        }
        Box b = box.clipTo(height, width);
        int grid = imageSize / patchSize;
        float[] rows = new float[grid], cols = new float[grid];
        if (mode == CoverageMode.MASK_RESIZE) {
            maskResizeAxis(b.y0(), b.y1(), height, imageSize, patchSize, rows);
            maskResizeAxis(b.x0(), b.x1(), width, imageSize, patchSize, cols);
        } else {
            exactAxis(b.y0(), b.y1(), height, imageSize, patchSize, rows);
            exactAxis(b.x0(), b.x1(), width, imageSize, patchSize, cols);
        }
        float[] w = new float[1 + grid * grid];
        for (int gy = 0; gy < grid; gy++) {
            for (int gx = 0; gx < grid; gx++) {
                w[1 + gy * grid + gx] = rows[gy] * cols[gx];
            }
        }
        if (mode == CoverageMode.MASK_RESIZE) {
            // Products of per-axis counts: divide the integer product once, like the reference's mean over p² values.
            float p2 = (float) patchSize * patchSize;
            for (int t = 1; t < w.length; t++) {
                w[t] = w[t] / p2;
            }
        }
        return w;
    }

    /**
     * One axis of MASK_RESIZE: for each patch, the number of its output pixels whose bilinear sample touches the
     * mask interval [int(lo), int(hi)) of {@code n} input pixels.
     *
     * <p>The scale is a float32 quotient and the source coordinate is then computed in double: of float32
     * throughout, float32 scale with double coordinate, and double throughout, only this one reproduces all 195
     * valid cases of token_weights.json (each of the others flips one row where s is 10.0 in float32 and
     * 10.0000001 in double).
     */
    private static void maskResizeAxis(double lo, double hi, int n, int size, int patch, float[] counts) {
        long first = (long) lo, end = (long) hi; // int() truncation; the clipped box is non-negative
        double scale = (float) n / size;
        for (int o = 0; o < size; o++) {
            double s = Math.max(0, scale * (o + 0.5) - 0.5);
            int i0 = Math.min((int) Math.floor(s), n - 1);
            double lambda1 = Math.min(Math.max(s - i0, 0), 1);
            double lambda0 = 1 - lambda1;
            int i1 = Math.min(i0 + 1, n - 1);
            boolean hit = (lambda0 > 0 && i0 >= first && i0 < end) || (lambda1 > 0 && i1 >= first && i1 < end);
            if (hit) {
                counts[o / patch] += 1;
            }
        }
    }

    /** One axis of EXACT_AREA: overlap of [lo, hi) with each patch's footprint, as a fraction of the footprint. */
    private static void exactAxis(double lo, double hi, int n, int size, int patch, float[] fractions) {
        double cell = (double) patch * n / size;
        for (int g = 0; g < fractions.length; g++) {
            double f0 = g * cell, f1 = (g + 1) * cell;
            double overlap = Math.min(hi, f1) - Math.max(lo, f0);
            fractions[g] = overlap > 0 ? (float) (overlap / cell) : 0f;
        }
    }
}
