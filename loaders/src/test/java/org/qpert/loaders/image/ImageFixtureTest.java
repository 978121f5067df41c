package org.qpert.loaders.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.qpert.loaders.safetensors.SafetensorsFile;

/**
 * Decoding + Pillow BICUBIC resize + CLIP normalization against images.safetensors (PIL convert("RGB"),
 * resize((S, S), BICUBIC), BlipImageProcessor). PNGs: exact bytes, pixel values within 1e-6. The JPEG is decoded by
 * libjpeg-turbo in the reference and by ImageIO here: within {@link #JPEG_LEVELS} levels.
 */
class ImageFixtureTest {

    static final Path INPUTS = Path.of("../testdata/parity/inputs");
    static final float PIXEL_TOLERANCE = 1e-6f;
    static final int JPEG_LEVELS = 2;

    static SafetensorsFile fixture;

    @BeforeAll
    static void open() throws IOException {
        fixture = SafetensorsFile.open(INPUTS.resolve("images.safetensors"));
    }

    @AfterAll
    static void close() {
        fixture.close();
    }

    static List<Path> images() throws IOException {
        try (Stream<Path> files = Files.list(INPUTS.resolve("images"))) {
            return files.sorted().toList();
        }
    }

    static String stem(Path file) {
        String name = file.getFileName().toString();
        return name.substring(0, name.lastIndexOf('.'));
    }

    static boolean isJpeg(Path file) {
        return file.getFileName().toString().endsWith(".jpg");
    }

    @ParameterizedTest
    @MethodSource("images")
    void resizedBytesMatchPillow(Path file) {
        RgbImage image = new ImageDecoder().decode(file);
        for (int size : new int[]{224, 364}) {
            byte[] expected = fixture.readBytes("resized_u8/" + size + "/" + stem(file));
            byte[] actual = BicubicResampler.resize(image, size, size).pixels();
            assertEquals(expected.length, actual.length);
            int maxDiff = 0;
            int differing = 0;
            for (int i = 0; i < expected.length; i++) {
                int d = Math.abs((expected[i] & 0xFF) - (actual[i] & 0xFF));
                maxDiff = Math.max(maxDiff, d);
                differing += d > 0 ? 1 : 0;
            }
            if (isJpeg(file)) {
                System.out.printf("%s S=%d: max difference %d levels, %d of %d values differ%n",
                        file.getFileName(), size, maxDiff, differing, expected.length);
                assertTrue(maxDiff <= JPEG_LEVELS, file + " S=" + size + " max difference " + maxDiff);
            } else {
                assertEquals(0, maxDiff, file + " S=" + size + ": " + differing + " values differ");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("images")
    void pixelValuesMatchBlipImageProcessor(Path file) {
        float[] expected = fixture.readFloats("pixel_values/224/" + stem(file));
        float[] actual = new ClipImageProcessor(224).pixelValues(new ImageDecoder().decode(file));
        assertEquals(3 * 224 * 224, actual.length);
        // One level of the JPEG difference is 1/255/std ~ 0.015 in normalized units.
        float tolerance = isJpeg(file) ? JPEG_LEVELS / 255f / 0.26f + 1e-6f : PIXEL_TOLERANCE;
        float maxDiff = 0;
        for (int i = 0; i < expected.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(expected[i] - actual[i]));
        }
        if (isJpeg(file)) {
            System.out.printf("%s pixel_values/224: max difference %.3g%n", file.getFileName(), maxDiff);
        }
        assertTrue(maxDiff <= tolerance, file + ": max difference " + maxDiff);
    }
}
