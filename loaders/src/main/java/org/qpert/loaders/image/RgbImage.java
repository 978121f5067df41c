package org.qpert.loaders.image;

/**
 * An 8-bit RGB image, rows top to bottom, pixels interleaved: {@code pixels[(y * width + x) * 3 + c]}, i.e. the
 * {@code [height, width, 3]} uint8 layout of a Pillow/NumPy array, as Pillow's {@code convert("RGB")} gives it; with
 * the mode the file had and, for one with transparency, its alpha channel, because some processors resample by mode
 * before they convert (open_clip: a palette with nearest neighbour, RGBA and LA premultiplied).
 *
 * @param mode  what the file held (an image made here, e.g. by a resize, is {@link Mode#RGB})
 * @param alpha [height, width] alpha values for {@link Mode#RGBA} and {@link Mode#LA}, else null
 */
public record RgbImage(int width, int height, byte[] pixels, Mode mode, byte[] alpha) {

    /** Pillow's mode of the decoded file, as far as resampling depends on it. */
    public enum Mode {
        RGB, L, LA, RGBA,
        /** Pillow's {@code P} and {@code 1}: resized with nearest neighbour. */
        P
    }

    public RgbImage(int width, int height, byte[] pixels) {
        this(width, height, pixels, Mode.RGB, null);
    }

    public RgbImage {
        java.util.Objects.requireNonNull(mode);
        if ((mode == Mode.RGBA || mode == Mode.LA) != (alpha != null)) {
            throw new IllegalArgumentException("an alpha channel goes with modes RGBA and LA only, not " + mode);
        }
        if (alpha != null && alpha.length != (long) width * height) {
            throw new IllegalArgumentException("expected " + (long) width * height + " alpha values, got "
                    + alpha.length);
        }
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException("image size must be positive, got " + width + " x " + height);
        }
        if (pixels.length != (long) width * height * 3) {
            throw new IllegalArgumentException("expected " + (long) width * height * 3 + " bytes for "
                    + width + " x " + height + " RGB, got " + pixels.length);
        }
    }

    /** Channel {@code c} of pixel (x, y) as 0..255. */
    public int sample(int x, int y, int c) {
        return pixels[(y * width + x) * 3 + c] & 0xFF;
    }
}
