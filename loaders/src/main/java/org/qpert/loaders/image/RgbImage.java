package org.qpert.loaders.image;

/**
 * An 8-bit RGB image, rows top to bottom, pixels interleaved: {@code pixels[(y * width + x) * 3 + c]}, i.e. the
 * {@code [height, width, 3]} uint8 layout of a Pillow/NumPy array.
 */
public record RgbImage(int width, int height, byte[] pixels) {

    public RgbImage {
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
