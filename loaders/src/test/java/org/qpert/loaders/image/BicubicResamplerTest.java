package org.qpert.loaders.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Hand-checked values of Pillow's BICUBIC (a = -0.5); the fixtures test the general case exactly. */
class BicubicResamplerTest {

    static RgbImage gray(int width, int height, int... values) {
        byte[] pixels = new byte[values.length * 3];
        for (int i = 0; i < values.length; i++) {
            pixels[i * 3] = pixels[i * 3 + 1] = pixels[i * 3 + 2] = (byte) values[i];
        }
        return new RgbImage(width, height, pixels);
    }

    static int[] red(RgbImage image) {
        int[] out = new int[image.width() * image.height()];
        for (int i = 0; i < out.length; i++) {
            out[i] = image.pixels()[i * 3] & 0xFF;
        }
        return out;
    }

    @Test
    void kernelValues() {
        assertEquals(1.0, BicubicResampler.bicubic(0), 0);
        assertEquals(0.8671875, BicubicResampler.bicubic(0.25), 0);
        assertEquals(-0.0703125, BicubicResampler.bicubic(-1.25), 0);
        assertEquals(0.0, BicubicResampler.bicubic(2.0), 0);
    }

    /**
     * 2 -> 4 upscale of (100, 200): output 0 weighs the inputs by 0.8671875 and -0.0703125 normalized by their sum,
     * i.e. 100 * 1.0882 - 200 * 0.0882 = 91.18 -> 91; output 1 by 0.8671875 and 0.2265625 -> 120.71 -> 121;
     * outputs 2 and 3 mirror them: 179, 209.
     */
    @Test
    void upscaleByTwoHorizontallyAndVertically() {
        assertArrayEquals(new int[]{91, 121, 179, 209}, red(BicubicResampler.resize(gray(2, 1, 100, 200), 4, 1)));
        assertArrayEquals(new int[]{91, 121, 179, 209}, red(BicubicResampler.resize(gray(1, 2, 100, 200), 1, 4)));
    }

    @Test
    void overshootIsClippedToBytes() {
        assertArrayEquals(new int[]{0, 53, 202, 255}, red(BicubicResampler.resize(gray(2, 1, 0, 255), 4, 1)));
    }

    @Test
    void uniformImagesStayUniformAtAnyScale() {
        int[] values = new int[37 * 53];
        java.util.Arrays.fill(values, 77);
        RgbImage flat = gray(53, 37, values);
        for (int size : new int[]{1, 5, 224, 364}) {
            for (int v : red(BicubicResampler.resize(flat, size, size))) {
                assertEquals(77, v);
            }
        }
    }

    @Test
    void sameSizeIsACopy() {
        RgbImage image = gray(2, 2, 1, 2, 3, 4);
        RgbImage copy = BicubicResampler.resize(image, 2, 2);
        assertArrayEquals(image.pixels(), copy.pixels());
        assertNotSame(image.pixels(), copy.pixels());
    }

    @Test
    void rejectsEmptyTargets() {
        assertThrows(IllegalArgumentException.class, () -> BicubicResampler.resize(gray(1, 1, 0), 0, 3));
        assertThrows(IllegalArgumentException.class, () -> new ClipImageProcessor(0));
    }
}
