package org.qpert.loaders.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes an image file with ImageIO (PNG, JPEG baseline and progressive, GIF, BMP, TIFF) and converts it to RGB
 * the way Pillow's {@code convert("RGB")} does: gray is replicated, palettes are looked up (transparency
 * ignored), alpha is dropped without compositing, 16-bit colour keeps the high byte, 16-bit gray is clamped to
 * 255 (Pillow's {@code I;16 -> RGB}), CMYK and YCCK JPEGs go through Pillow's naive CMYK formula. Colour values
 * are never colour-managed: embedded ICC profiles and gamma are ignored, as Pillow ignores them. The pixel count
 * is checked against a limit before any pixel is decoded.
 */
public final class ImageDecoder {

    private static final System.Logger LOG = System.getLogger(ImageDecoder.class.getName());

    /** Pillow's {@code Image.MAX_IMAGE_PIXELS}: 1 GiB of 24-bit pixels (it warns there and fails at twice that). */
    public static final long DEFAULT_MAX_PIXELS = 1024L * 1024 * 1024 / 4 / 3;

    /** Above this a decoded ImageIO raster (up to 4 bands of bytes) no longer fits a Java array. */
    public static final long MAX_SUPPORTED_PIXELS = Integer.MAX_VALUE / 4;

    private final long maxPixels;

    public ImageDecoder() {
        this(DEFAULT_MAX_PIXELS);
    }

    public ImageDecoder(long maxPixels) {
        if (maxPixels < 1 || maxPixels > MAX_SUPPORTED_PIXELS) {
            throw new IllegalArgumentException("pixel limit must be in 1.." + MAX_SUPPORTED_PIXELS + ", got "
                    + maxPixels);
        }
        this.maxPixels = maxPixels;
    }

    public RgbImage decode(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("image file not found: " + file);
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) {
                throw new IllegalArgumentException("cannot open image " + file);
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new IllegalArgumentException(file + ": not an image format ImageIO can read (PNG, JPEG, ...)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                return toRgb(read(reader, file), file);
            } finally {
                reader.dispose();
            }
        } catch (IIOException e) {
            throw new IllegalArgumentException(file + ": cannot decode image: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read image " + file + ": " + e.getMessage(), e);
        }
    }

    private BufferedImage read(ImageReader reader, Path file) throws IOException {
        // Header only: the dimensions come before any pixel data is decoded.
        long width = reader.getWidth(0);
        long height = reader.getHeight(0);
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException(file + ": invalid image size " + width + " x " + height);
        }
        if (width * height > maxPixels) {
            throw new IllegalArgumentException(file + ": " + width + " x " + height + " = " + width * height
                    + " pixels exceeds the limit of " + maxPixels + " (possible decompression bomb)");
        }
        if (!reader.getImageTypes(0).hasNext()) {
            throw new IllegalArgumentException(file + ": " + reader.getFormatName()
                    + " colour model that ImageIO cannot read (e.g. a 4-channel YCbCrA JPEG); convert it to RGB first");
        }
        List<String> warnings = new ArrayList<>();
        reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
        BufferedImage image = reader.read(0);
        for (String warning : warnings) {
            // ImageIO fills the missing part of a cut-off JPEG and only warns; Pillow refuses such files
            // ("image file is truncated"), so we do too. Other warnings (extraneous bytes) Pillow accepts.
            String w = warning.toLowerCase(Locale.ROOT);
            if (w.contains("truncated") || w.contains("premature end")) {
                throw new IllegalArgumentException(file + ": truncated or corrupt image: " + warning);
            }
            LOG.log(System.Logger.Level.WARNING, "{0}: {1}", file, warning);
        }
        return image;
    }

    static RgbImage toRgb(BufferedImage image, Path file) {
        int w = image.getWidth();
        int h = image.getHeight();
        byte[] rgb = new byte[w * h * 3];
        ColorModel cm = image.getColorModel();
        Raster raster = image.getRaster();
        RgbImage.Mode mode = RgbImage.Mode.RGB;
        byte[] alpha = null;
        if (cm instanceof IndexColorModel palette) {
            fromPalette(raster, palette, rgb);
            mode = RgbImage.Mode.P;
        } else if (cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY && raster.getNumBands() <= 2) {
            int bits = bitsOf(raster, file);
            fromGray(raster, rgb, bits);
            mode = raster.getNumBands() == 2 && bits >= 8 ? RgbImage.Mode.LA : RgbImage.Mode.L;
            alpha = mode == RgbImage.Mode.LA ? band(raster, 1, bits) : null;
        } else if (cm.getColorSpace().getType() == ColorSpace.TYPE_RGB && raster.getNumBands() >= 3) {
            int bits = bitsOf(raster, file);
            if (bits < 8) {
                throw new IllegalArgumentException(file + ": unsupported " + bits + "-bit RGB samples");
            }
            fromRgbBands(raster, rgb, bits);
            if (raster.getNumBands() == 4 && cm.hasAlpha()) {
                mode = RgbImage.Mode.RGBA;
                alpha = band(raster, 3, bits);
            }
        } else if (cm.getColorSpace().getType() == ColorSpace.TYPE_CMYK && raster.getNumBands() == 4
                && bitsOf(raster, file) == 8) {
            fromCmyk(raster, rgb);
        } else {
            throw new IllegalArgumentException(file + ": unsupported colour space (" + raster.getNumBands()
                    + " bands, colour space type " + cm.getColorSpace().getType() + ")");
        }
        return new RgbImage(w, h, rgb, mode, alpha);
    }

    /** One band's 8-bit values (16-bit samples keep their high byte, as Pillow opens them). */
    private static byte[] band(Raster raster, int band, int bits) {
        int w = raster.getWidth();
        int[] row = new int[w];
        byte[] out = new byte[w * raster.getHeight()];
        for (int y = 0; y < raster.getHeight(); y++) {
            raster.getSamples(0, y, w, 1, band, row);
            for (int x = 0; x < w; x++) {
                out[y * w + x] = (byte) (row[x] >> (bits - 8));
            }
        }
        return out;
    }

    /** Bits per sample: 1, 2, 4 (gray only), 8 or 16, the same for every band. */
    private static int bitsOf(Raster raster, Path file) {
        int[] sizes = raster.getSampleModel().getSampleSize();
        for (int s : sizes) {
            if (s != sizes[0]) {
                throw new IllegalArgumentException(file + ": mixed sample sizes are not supported");
            }
        }
        return switch (sizes[0]) {
            case 1, 2, 4, 8, 16 -> sizes[0];
            default -> throw new IllegalArgumentException(file + ": unsupported " + sizes[0] + "-bit samples");
        };
    }

    private static void fromPalette(Raster raster, IndexColorModel palette, byte[] rgb) {
        int w = raster.getWidth();
        int[] row = new int[w];
        int p = 0;
        for (int y = 0; y < raster.getHeight(); y++) {
            raster.getSamples(0, y, w, 1, 0, row);
            for (int x = 0; x < w; x++) {
                rgb[p++] = (byte) palette.getRed(row[x]);
                rgb[p++] = (byte) palette.getGreen(row[x]);
                rgb[p++] = (byte) palette.getBlue(row[x]);
            }
        }
    }

    private static void fromGray(Raster raster, byte[] rgb, int bits) {
        int w = raster.getWidth();
        int[] row = new int[w];
        // Low bit depths are stretched to 0..255 (Pillow's L;1, L;2, L;4 unpackers multiply by 255, 85, 17).
        int stretch = bits < 8 ? 255 / ((1 << bits) - 1) : 1;
        int p = 0;
        for (int y = 0; y < raster.getHeight(); y++) {
            raster.getSamples(0, y, w, 1, 0, row);
            for (int x = 0; x < w; x++) {
                // Pillow opens 16-bit gray as I;16 and its RGB conversion clamps values above 255.
                byte v = (byte) (bits == 16 ? Math.min(row[x], 255) : row[x] * stretch);
                rgb[p++] = v;
                rgb[p++] = v;
                rgb[p++] = v;
            }
        }
    }

    /**
     * ImageIO hands CMYK and YCCK JPEGs over with the Adobe inversion undone, which are the values Pillow reads
     * (raw mode {@code CMYK;I}); they then go through Pillow's {@code cmyk2rgb}: (255 - K) * (1 - C / 255) with its
     * integer approximation of the division by 255.
     */
    private static void fromCmyk(Raster raster, byte[] rgb) {
        int w = raster.getWidth();
        int[] row = new int[w * 4];
        int p = 0;
        for (int y = 0; y < raster.getHeight(); y++) {
            raster.getPixels(0, y, w, 1, row);
            for (int x = 0; x < w; x++) {
                int notK = 255 - row[x * 4 + 3];
                for (int c = 0; c < 3; c++) {
                    int v = notK - mulDiv255(row[x * 4 + c], notK);
                    rgb[p++] = (byte) Math.max(0, Math.min(255, v));
                }
            }
        }
    }

    /** Pillow's {@code MULDIV255}: a * b / 255 rounded, computed with shifts. */
    static int mulDiv255(int a, int b) {
        int t = a * b + 128;
        return ((t >> 8) + t) >> 8;
    }

    private static void fromRgbBands(Raster raster, byte[] rgb, int bits) {
        int w = raster.getWidth();
        int shift = bits - 8;
        int[] row = new int[w];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < raster.getHeight(); y++) {
                raster.getSamples(0, y, w, 1, c, row);
                int p = y * w * 3 + c;
                for (int x = 0; x < w; x++, p += 3) {
                    rgb[p] = (byte) (row[x] >> shift);
                }
            }
        }
    }
}
