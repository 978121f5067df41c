package org.qpert.core.qpert;

import org.qpert.core.model.TokenGrid;

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
        return weights(box, height, width, new TokenGrid(1, patchSize, imageSize, TokenGrid.Resize.SQUASH), mode);
    }

    /**
     * Token weights of {@code box} in an image of {@code height × width} original pixels brought to the grid's square
     * as its resize says: squashed to S × S, or its shortest side to S and the centre S × S cropped (open_clip), where
     * a patch's pixels are those of the resized image inside the crop (spec/COCA.md §6). The box is first clipped to
     * the image ({@link Box#clipTo}, which rejects a box outside it); a box in the cropped-away band covers nothing.
     */
    public static float[] weights(Box box, int height, int width, TokenGrid tokenGrid, CoverageMode mode) {
        if (tokenGrid.prefixTokens() != 1) {
            throw new IllegalArgumentException("token weights need exactly one class token before the patches, not "
                    + tokenGrid.prefixTokens());
        }
        int imageSize = tokenGrid.imageSize(), patchSize = tokenGrid.patchSize();
        Box b = box.clipTo(height, width);
        int grid = tokenGrid.side();
        Axis ys = Axis.of(height, width, tokenGrid), xs = Axis.of(width, height, tokenGrid);
        float[] rows = new float[grid], cols = new float[grid];
        if (mode == CoverageMode.MASK_RESIZE) {
            maskResizeAxis(b.y0(), b.y1(), height, ys, imageSize, patchSize, rows);
            maskResizeAxis(b.x0(), b.x1(), width, xs, imageSize, patchSize, cols);
        } else {
            exactAxis(b.y0(), b.y1(), height, ys, patchSize, rows);
            exactAxis(b.x0(), b.x1(), width, xs, patchSize, cols);
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
     * One axis of MASK_RESIZE: for each patch, the number of its output pixels (the resized axis's, from the crop
     * offset on) whose bilinear sample touches the mask interval [int(lo), int(hi)) of {@code n} input pixels.
     *
     * <p>The scale is a float32 quotient and the source coordinate is then computed in double: of float32
     * throughout, float32 scale with double coordinate, and double throughout, only this one reproduces all 195
     * valid cases of token_weights.json (each of the others flips one row where s is 10.0 in float32 and
     * 10.0000001 in double).
     */
    private static void maskResizeAxis(double lo, double hi, int n, Axis axis, int size, int patch, float[] counts) {
        long first = (long) lo, end = (long) hi; // int() truncation; the clipped box is non-negative
        double scale = (float) n / axis.resized();
        for (int o = axis.offset(); o < axis.offset() + size; o++) {
            double s = Math.max(0, scale * (o + 0.5) - 0.5);
            int i0 = Math.min((int) Math.floor(s), n - 1);
            double lambda1 = Math.min(Math.max(s - i0, 0), 1);
            double lambda0 = 1 - lambda1;
            int i1 = Math.min(i0 + 1, n - 1);
            boolean hit = (lambda0 > 0 && i0 >= first && i0 < end) || (lambda1 > 0 && i1 >= first && i1 < end);
            if (hit) {
                counts[(o - axis.offset()) / patch] += 1;
            }
        }
    }

    /** One axis of EXACT_AREA: overlap of [lo, hi) with each patch's footprint, as a fraction of the footprint. */
    private static void exactAxis(double lo, double hi, int n, Axis axis, int patch, float[] fractions) {
        double cell = (double) patch * n / axis.resized();
        double start = (double) axis.offset() * n / axis.resized();
        for (int g = 0; g < fractions.length; g++) {
            double f0 = start + g * cell, f1 = start + (g + 1) * cell;
            double overlap = Math.min(hi, f1) - Math.max(lo, f0);
            fractions[g] = overlap > 0 ? (float) (overlap / cell) : 0f;
        }
    }

    /**
     * One axis of the resize: its length after resizing, and where the S pixels the model sees start in it.
     *
     * @param resized the axis's length after the resize (S when squashed)
     * @param offset  the crop's first pixel on it (0 when squashed)
     */
    record Axis(int resized, int offset) {

        /** The axis of length {@code n} of an image whose other axis has length {@code other} ({@link TokenGrid#axis}). */
        static Axis of(int n, int other, TokenGrid grid) {
            int[] a = grid.axis(n, other);
            return new Axis(a[0], a[1]);
        }
    }
}
