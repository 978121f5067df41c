package org.qpert.loaders.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Colour conversions of every pixel layout, written here with ImageIO, and malformed files. */
class ImageDecoderTest {

    @TempDir
    Path dir;

    final ImageDecoder decoder = new ImageDecoder();

    Path png(String name, BufferedImage image) throws IOException {
        Path file = dir.resolve(name + ".png");
        assertTrue(ImageIO.write(image, "png", file.toFile()), "ImageIO can write " + name);
        return file;
    }

    Path jpeg(String name, Object imageOrRaster, boolean progressive) throws IOException {
        Path file = dir.resolve(name + ".jpg");
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(0.95f);
        if (progressive) {
            param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
        }
        try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
            writer.setOutput(out);
            IIOImage image = imageOrRaster instanceof BufferedImage b ? new IIOImage(b, null, null)
                    : new IIOImage((Raster) imageOrRaster, null, null);
            writer.write(null, image, param);
        } finally {
            writer.dispose();
        }
        return file;
    }

    static BufferedImage gradient(int type) {
        BufferedImage image = new BufferedImage(40, 30, type);
        for (int y = 0; y < 30; y++) {
            for (int x = 0; x < 40; x++) {
                image.getRaster().setPixel(x, y, new int[]{x * 6, y * 8, 128});
            }
        }
        return image;
    }

    @Test
    void rgbaDropsAlphaWithoutCompositing() throws IOException {
        BufferedImage image = new BufferedImage(2, 1, BufferedImage.TYPE_4BYTE_ABGR);
        image.getRaster().setPixel(0, 0, new int[]{10, 20, 30, 0});
        image.getRaster().setPixel(1, 0, new int[]{200, 100, 50, 128});
        RgbImage rgb = decoder.decode(png("rgba", image));
        assertArrayEquals(new byte[]{10, 20, 30, (byte) 200, 100, 50}, rgb.pixels());
    }

    @Test
    void grayIsReplicatedWithoutGammaConversion() throws IOException {
        BufferedImage image = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_GRAY);
        image.getRaster().setPixels(0, 0, 3, 1, new int[]{0, 100, 255});
        RgbImage rgb = decoder.decode(png("gray", image));
        assertArrayEquals(new byte[]{0, 0, 0, 100, 100, 100, (byte) 255, (byte) 255, (byte) 255}, rgb.pixels());
    }

    @Test
    void grayWithAlphaKeepsTheGray() throws IOException {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_GRAY), true, false,
                Transparency.TRANSLUCENT, DataBuffer.TYPE_BYTE);
        WritableRaster raster = cm.createCompatibleWritableRaster(2, 1);
        raster.setPixels(0, 0, 2, 1, new int[]{40, 0, 220, 255});
        RgbImage rgb = decoder.decode(png("gray-alpha", new BufferedImage(cm, raster, false, null)));
        assertArrayEquals(new byte[]{40, 40, 40, (byte) 220, (byte) 220, (byte) 220}, rgb.pixels());
    }

    @Test
    void paletteIsLookedUpIgnoringTransparency() throws IOException {
        byte[] r = {1, 2, 3};
        byte[] g = {11, 12, 13};
        byte[] b = {21, 22, 23};
        byte[] a = {0, (byte) 255, (byte) 128};
        IndexColorModel palette = new IndexColorModel(8, 3, r, g, b, a);
        BufferedImage image = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_INDEXED, palette);
        image.getRaster().setPixels(0, 0, 3, 1, new int[]{2, 0, 1});
        RgbImage rgb = decoder.decode(png("palette", image));
        assertArrayEquals(new byte[]{3, 13, 23, 1, 11, 21, 2, 12, 22}, rgb.pixels());
    }

    @Test
    void sixteenBitColourKeepsTheHighByteAndSixteenBitGrayClamps() throws IOException {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB), false, false,
                Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        WritableRaster raster = cm.createCompatibleWritableRaster(1, 1);
        raster.setPixel(0, 0, new int[]{0x1234, 0xFF00, 0x00FF});
        RgbImage rgb = decoder.decode(png("rgb16", new BufferedImage(cm, raster, false, null)));
        assertArrayEquals(new byte[]{0x12, (byte) 0xFF, 0}, rgb.pixels());

        BufferedImage gray16 = new BufferedImage(3, 1, BufferedImage.TYPE_USHORT_GRAY);
        gray16.getRaster().setPixels(0, 0, 3, 1, new int[]{7, 255, 4000});
        assertArrayEquals(new byte[]{7, 7, 7, (byte) 255, (byte) 255, (byte) 255, (byte) 255, (byte) 255, (byte) 255},
                decoder.decode(png("gray16", gray16)).pixels());
    }

    @Test
    void progressiveAndBaselineJpegDecodeAlike() throws IOException {
        BufferedImage image = gradient(BufferedImage.TYPE_3BYTE_BGR);
        RgbImage baseline = decoder.decode(jpeg("baseline", image, false));
        RgbImage progressive = decoder.decode(jpeg("progressive", image, true));
        // Same quantized coefficients, different entropy coding: identical decoded pixels.
        assertArrayEquals(baseline.pixels(), progressive.pixels());
        // JPEG at quality 0.95 stays within a few levels of the source.
        assertEquals(128, baseline.sample(20, 15, 2), 4);
        assertEquals(20 * 6, baseline.sample(20, 15, 0), 4);
    }

    @Test
    void grayJpegIsReplicated() throws IOException {
        BufferedImage image = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY);
        int[] flat = new int[256];
        Arrays.fill(flat, 90);
        image.getRaster().setPixels(0, 0, 16, 16, flat);
        RgbImage rgb = decoder.decode(jpeg("gray", image, false));
        for (int c = 0; c < 3; c++) {
            assertEquals(90, rgb.sample(5, 5, c), 1);
        }
    }

    /**
     * A flat Adobe CMYK JPEG stores inverted inks: raw (55, 155, 255, 205) is C, M, Y, K = 200, 100, 0, 50. Pillow
     * gives R = (255 - K) - C (255 - K) / 255 = 205 - 161 = 44, G = 205 - 80 = 125, B = 205.
     */
    @Test
    void adobeCmykJpegUsesPillowsFormula() throws IOException {
        WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 16, 16, 4, null);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                raster.setPixel(x, y, new int[]{55, 155, 255, 205});
            }
        }
        Path file = withAdobeMarker(jpeg("cmyk", raster, false), 0);
        RgbImage rgb = decoder.decode(file);
        assertEquals(44, rgb.sample(8, 8, 0), 1);
        assertEquals(125, rgb.sample(8, 8, 1), 1);
        assertEquals(205, rgb.sample(8, 8, 2), 1);
        assertEquals(161, ImageDecoder.mulDiv255(200, 205));
    }

    @Test
    void jpegColourModelsImageIoCannotReadGetAClearError() throws IOException {
        WritableRaster raster = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 8, 8, 4, null);
        Path file = withAdobeMarker(jpeg("ycbcra", raster, false), 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> decoder.decode(file));
        assertTrue(e.getMessage().contains("ycbcra.jpg") && e.getMessage().contains("convert it to RGB"),
                e.getMessage());
    }

    /** Inserts an APP14 "Adobe" segment with the given colour transform right after the JPEG's SOI marker. */
    Path withAdobeMarker(Path jpeg, int transform) throws IOException {
        byte[] data = Files.readAllBytes(jpeg);
        byte[] app14 = {(byte) 0xFF, (byte) 0xEE, 0, 14, 'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, (byte) transform};
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(data, 0, 2);
        out.write(app14);
        out.write(data, 2, data.length - 2);
        Path file = dir.resolve("adobe" + transform + "-" + jpeg.getFileName());
        Files.write(file, out.toByteArray());
        return file;
    }

    @Test
    void pixelLimitIsCheckedBeforeDecoding() throws IOException {
        // A PNG that claims 100000 x 100000 pixels and then ends: only the header is ever read.
        Path bomb = dir.resolve("bomb.png");
        Files.write(bomb, pngHeaderOnly(100_000, 100_000));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> decoder.decode(bomb));
        assertTrue(e.getMessage().contains("bomb.png") && e.getMessage().contains("decompression bomb"),
                e.getMessage());

        Path small = png("small", gradient(BufferedImage.TYPE_INT_RGB));
        e = assertThrows(IllegalArgumentException.class, () -> new ImageDecoder(1000).decode(small));
        assertTrue(e.getMessage().contains("40 x 30 = 1200 pixels exceeds the limit of 1000"), e.getMessage());
        assertEquals(40, new ImageDecoder(1200).decode(small).width());
        assertThrows(IllegalArgumentException.class, () -> new ImageDecoder(ImageDecoder.MAX_SUPPORTED_PIXELS + 1));
    }

    static byte[] pngHeaderOnly(int width, int height) {
        ByteBuffer ihdr = ByteBuffer.allocate(17).put("IHDR".getBytes())
                .putInt(width).putInt(height).put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        CRC32 crc = new CRC32();
        crc.update(ihdr.array());
        return ByteBuffer.allocate(8 + 4 + 17 + 4)
                .put(new byte[]{(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'})
                .putInt(13).put(ihdr.array()).putInt((int) crc.getValue()).array();
    }

    @Test
    void missingUnknownAndTruncatedFilesNameTheFile() throws IOException {
        Path missing = dir.resolve("missing.png");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> decoder.decode(missing));
        assertTrue(e.getMessage().contains("not found") && e.getMessage().contains("missing.png"), e.getMessage());

        Path text = dir.resolve("notes.png");
        Files.writeString(text, "this is not an image");
        e = assertThrows(IllegalArgumentException.class, () -> decoder.decode(text));
        assertTrue(e.getMessage().contains("notes.png"), e.getMessage());

        byte[] whole = Files.readAllBytes(png("whole", gradient(BufferedImage.TYPE_INT_RGB)));
        Path truncated = dir.resolve("truncated.png");
        Files.write(truncated, Arrays.copyOf(whole, whole.length / 2));
        e = assertThrows(IllegalArgumentException.class, () -> decoder.decode(truncated));
        assertTrue(e.getMessage().contains("truncated.png"), e.getMessage());

        // ImageIO would fill a cut-off JPEG with gray and merely warn; Pillow refuses it, and so do we.
        byte[] jpeg = Files.readAllBytes(jpeg("whole", gradient(BufferedImage.TYPE_3BYTE_BGR), false));
        Path cutJpeg = dir.resolve("cut.jpg");
        Files.write(cutJpeg, Arrays.copyOf(jpeg, jpeg.length * 2 / 3));
        e = assertThrows(IllegalArgumentException.class, () -> decoder.decode(cutJpeg));
        assertTrue(e.getMessage().contains("cut.jpg") && e.getMessage().contains("truncated"), e.getMessage());
    }
}
