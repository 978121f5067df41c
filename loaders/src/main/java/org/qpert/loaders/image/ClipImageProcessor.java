package org.qpert.loaders.image;

/**
 * HF {@code BlipImageProcessor} as BLIP-2 uses it: resize to S x S with Pillow BICUBIC, rescale by 1/255 (in
 * double, then rounded to float), normalize with the CLIP mean and standard deviation (in float), channels first.
 */
public final class ClipImageProcessor {

    public static final float[] CLIP_MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    public static final float[] CLIP_STD = {0.26862954f, 0.26130258f, 0.27577711f};
    /** Largest accepted output side, so a typo cannot ask for gigabytes. */
    public static final int MAX_SIZE = 4096;

    private final int size;

    public ClipImageProcessor(int size) {
        if (size < 1 || size > MAX_SIZE) {
            throw new IllegalArgumentException("image size must be in 1.." + MAX_SIZE + ", got " + size);
        }
        this.size = size;
    }

    public int size() {
        return size;
    }

    /** The S x S RGB image the model sees, before rescaling. */
    public RgbImage resize(RgbImage image) {
        return BicubicResampler.resize(image, size, size);
    }

    /** {@code [3, S, S]} float pixel values, channels first. */
    public float[] pixelValues(RgbImage image) {
        return normalize(resize(image));
    }

    /** Rescales and normalizes an already resized image into {@code [3, H, W]}. */
    public static float[] normalize(RgbImage resized) {
        return normalize(resized, CLIP_MEAN, CLIP_STD);
    }

    /** Rescales to [0, 1] and normalizes with another mean and standard deviation (per channel, RGB). */
    public static float[] normalize(RgbImage resized, float[] means, float[] stds) {
        int plane = resized.width() * resized.height();
        byte[] in = resized.pixels();
        float[] out = new float[3 * plane];
        double rescale = 1.0 / 255;
        for (int c = 0; c < 3; c++) {
            float mean = means[c];
            float std = stds[c];
            for (int i = 0; i < plane; i++) {
                float scaled = (float) ((in[i * 3 + c] & 0xFF) * rescale);
                out[c * plane + i] = (scaled - mean) / std;
            }
        }
        return out;
    }
}
