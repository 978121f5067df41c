package org.qpert.loaders.image;

import org.qpert.core.model.TokenGrid;

/**
 * open_clip's eval transform (spec/COCA.md §3) for a model of side S: the shortest side resized to S (Pillow bicubic
 * with antialias; a palette or bilevel image with nearest neighbour; RGBA and LA premultiplied by alpha around the
 * resize, as Pillow resizes them), the centre S × S cropped at offsets rounded half to even, converted to RGB, then
 * u8 / 255 and (x − mean) / std in float32, channels first. An image whose short side is already S is not resampled.
 */
public final class OpenClipImageProcessor {
    private final TokenGrid geometry;
    private final float[] mean;
    private final float[] std;

    /** With the CLIP mean and std, as every CoCa checkpoint's {@code preprocess_cfg} has them. */
    public OpenClipImageProcessor(int size) {
        this(size, ClipImageProcessor.CLIP_MEAN, ClipImageProcessor.CLIP_STD);
    }

    public OpenClipImageProcessor(int size, float[] mean, float[] std) {
        if (size < 1 || size > ClipImageProcessor.MAX_SIZE) {
            throw new IllegalArgumentException("image size must be in 1.." + ClipImageProcessor.MAX_SIZE + ", got "
                    + size);
        }
        if (mean.length != 3 || std.length != 3) {
            throw new IllegalArgumentException("mean and std need 3 values each");
        }
        this.geometry = new TokenGrid(0, 1, size, TokenGrid.Resize.SHORTEST_SIDE_CENTRE_CROP);
        this.mean = mean.clone();
        this.std = std.clone();
    }

    public int size() {
        return geometry.imageSize();
    }

    /** The S × S RGB image the model sees, before normalization. */
    public RgbImage resizeAndCrop(RgbImage image) {
        int[] ys = geometry.axis(image.height(), image.width()), xs = geometry.axis(image.width(), image.height());
        RgbImage resized = resize(image, xs[0], ys[0]);
        return crop(resized, xs[1], ys[1], size());
    }

    /** {@code [3, S, S]} float pixel values, channels first. */
    public float[] pixelValues(RgbImage image) {
        return normalize(resizeAndCrop(image));
    }

    /** u8 / 255 then (x − mean) / std, in float32 as torchvision's ToTensor and Normalize compute them. */
    public float[] normalize(RgbImage image) {
        int plane = image.width() * image.height();
        byte[] in = image.pixels();
        float[] out = new float[3 * plane];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < plane; i++) {
                float x = (float) (in[i * 3 + c] & 0xFF) / 255f;
                out[c * plane + i] = (x - mean[c]) / std[c];
            }
        }
        return out;
    }

    static RgbImage resize(RgbImage image, int width, int height) {
        if (width == image.width() && height == image.height()) {
            return image; // torchvision returns the image itself: no premultiplied round trip
        }
        return switch (image.mode()) {
            case P -> nearest(image, width, height);
            case RGBA, LA -> premultiplied(image, width, height);
            case RGB, L -> BicubicResampler.resize(image, width, height);
        };
    }

    /**
     * Pillow's NEAREST resize (its {@code ImagingScaleAffine}): source coordinate of output x is int(x₀), x₀ = scale/2,
     * stepped by adding the scale, as Pillow accumulates it.
     */
    static RgbImage nearest(RgbImage image, int width, int height) {
        int[] xs = nearestTaps(image.width(), width), ys = nearestTaps(image.height(), height);
        byte[] in = image.pixels();
        byte[] out = new byte[width * height * 3];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                System.arraycopy(in, (ys[y] * image.width() + xs[x]) * 3, out, (y * width + x) * 3, 3);
            }
        }
        return new RgbImage(width, height, out);
    }

    private static int[] nearestTaps(int in, int out) {
        double scale = (double) in / out;
        double o = scale * 0.5;
        int[] taps = new int[out];
        for (int i = 0; i < out; i++) {
            taps[i] = Math.min((int) o, in - 1);
            o += scale;
        }
        return taps;
    }

    /**
     * Pillow resizes RGBA (LA) as RGBa (La): colour premultiplied by alpha with its MULDIV255, every band resampled
     * alike, then divided back, 255 · c / a truncated and clipped, where 0 < a < 255.
     */
    static RgbImage premultiplied(RgbImage image, int width, int height) {
        byte[] rgb = image.pixels(), alpha = image.alpha();
        byte[] pre = new byte[rgb.length], a3 = new byte[rgb.length];
        for (int i = 0; i < alpha.length; i++) {
            int a = alpha[i] & 0xFF;
            for (int c = 0; c < 3; c++) {
                int t = (rgb[i * 3 + c] & 0xFF) * a + 128;
                pre[i * 3 + c] = (byte) (((t >> 8) + t) >> 8);
                a3[i * 3 + c] = alpha[i];
            }
        }
        byte[] colour = BicubicResampler.resize(new RgbImage(image.width(), image.height(), pre), width, height)
                .pixels();
        byte[] a = BicubicResampler.resize(new RgbImage(image.width(), image.height(), a3), width, height).pixels();
        byte[] out = new byte[colour.length];
        for (int i = 0; i < out.length; i++) {
            int al = a[i] & 0xFF, v = colour[i] & 0xFF;
            out[i] = (byte) (al == 0 || al == 255 ? v : Math.min(255, 255 * v / al));
        }
        return new RgbImage(width, height, out);
    }

    static RgbImage crop(RgbImage image, int left, int top, int size) {
        if (left == 0 && top == 0 && image.width() == size && image.height() == size) {
            return image.mode() == RgbImage.Mode.RGB ? image : new RgbImage(size, size, image.pixels());
        }
        byte[] out = new byte[size * size * 3];
        for (int y = 0; y < size; y++) {
            System.arraycopy(image.pixels(), ((top + y) * image.width() + left) * 3, out, y * size * 3, size * 3);
        }
        return new RgbImage(size, size, out);
    }
}
