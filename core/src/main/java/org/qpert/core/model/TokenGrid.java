package org.qpert.core.model;

/**
 * How a preprocessed image becomes the image tokens whose keys Q-Perturbation weighs: {@code prefixTokens} tokens
 * that cover no pixel (the class token), then the {@code side × side} patches row-major.
 *
 * @param prefixTokens tokens before the patches (1: the class token)
 * @param patchSize    patch side p in preprocessed pixels
 * @param imageSize    side S of the square image the model sees
 * @param resize       how an original image is brought to S × S (the frame boxes are mapped through)
 */
public record TokenGrid(int prefixTokens, int patchSize, int imageSize, Resize resize) {

    /** How the original image is mapped to the model's square. */
    public enum Resize {
        /** Resized to S × S whatever its aspect (BLIP-2's processor). */
        SQUASH,
        /** Shortest side to S, then the centre S × S cropped (open_clip's eval transform). */
        SHORTEST_SIDE_CENTRE_CROP
    }

    public TokenGrid {
        if (prefixTokens < 0 || patchSize <= 0 || imageSize <= 0 || imageSize % patchSize != 0) {
            throw new IllegalArgumentException("image size " + imageSize + " is not a positive multiple of patch size "
                    + patchSize);
        }
        java.util.Objects.requireNonNull(resize);
    }

    /**
     * One axis under {@link Resize#SHORTEST_SIDE_CENTRE_CROP}, as torchvision's {@code Resize(S)} for an int S and
     * {@code CenterCrop(S)} compute it: the axis of length {@code n}, whose image's other axis has length
     * {@code other}, is resized to S when it is the short side (or as long as the other), else to int(S · n / other)
     * (unchanged when the other side already is S); the crop starts at round((resized − S) / 2), rounding half to even
     * as Python does. Returns {resized, crop offset}; squashed, {S, 0}.
     */
    public int[] axis(int n, int other) {
        int s = imageSize;
        if (resize == Resize.SQUASH) {
            return new int[] {s, 0};
        }
        int resized = n <= other ? s : other == s ? n : (int) ((double) s * n / other);
        return new int[] {resized, (int) Math.rint((resized - s) / 2.0)};
    }

    /** Patches per side. */
    public int side() {
        return imageSize / patchSize;
    }

    /** All image tokens T. */
    public int tokens() {
        return prefixTokens + side() * side();
    }
}
