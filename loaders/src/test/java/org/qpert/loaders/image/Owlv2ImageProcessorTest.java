package org.qpert.loaders.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.qpert.loaders.safetensors.SafetensorsFile;

/**
 * Owlv2ImageProcessor against tiny-owlv2/processor.safetensors (HF Owlv2ImageProcessor, scipy filter and zoom):
 * PNGs within 1e-5 absolute at 96 (every shared input image) and at 960 (a 640 x 480 upscale and a 1280 x 1000
 * downscale, which filters). The JPEG is decoded by libjpeg-turbo there and by ImageIO here: within
 * {@link ImageFixtureTest#JPEG_LEVELS} levels in normalized units.
 */
class Owlv2ImageProcessorTest {

    static final Path FIXTURE = Path.of("../testdata/parity/tiny-owlv2");
    static final float TOLERANCE = 1e-5f;

    static SafetensorsFile processed;

    @BeforeAll
    static void open() throws IOException {
        processed = SafetensorsFile.open(FIXTURE.resolve("processor.safetensors"));
    }

    @AfterAll
    static void close() {
        processed.close();
    }

    static List<Path> images() throws IOException {
        List<Path> all = new ArrayList<>(ImageFixtureTest.images());
        try (Stream<Path> files = Files.list(FIXTURE.resolve("images"))) {
            files.sorted().forEach(all::add);
        }
        return all;
    }

    static float maxDifference(Path file, int size) {
        float[] expected = processed.readFloats("pixel_values/" + size + "/" + ImageFixtureTest.stem(file));
        float[] actual = new Owlv2ImageProcessor(size).pixelValues(new ImageDecoder().decode(file));
        assertEquals(3 * size * size, actual.length);
        float max = 0;
        for (int i = 0; i < expected.length; i++) {
            max = Math.max(max, Math.abs(expected[i] - actual[i]));
        }
        return max;
    }

    static float toleranceFor(Path file) {
        return ImageFixtureTest.isJpeg(file) ? ImageFixtureTest.JPEG_LEVELS / 255f / 0.26f + 1e-6f : TOLERANCE;
    }

    @ParameterizedTest
    @MethodSource("images")
    void matchesOwlv2ImageProcessorAt96(Path file) {
        float max = maxDifference(file, 96);
        System.out.printf("%s at 96: max difference %.3g%n", file.getFileName(), max);
        assertTrue(max <= toleranceFor(file), file + " at 96: max difference " + max);
    }

    @Test
    void matchesAt960UpscaledAndDownscaled() {
        for (Path file : List.of(ImageFixtureTest.INPUTS.resolve("images/rgb_640x480.png"),
                FIXTURE.resolve("images/large_1280x1000.png"))) {
            long start = System.nanoTime();
            float max = maxDifference(file, 960);
            System.out.printf("%s at 960: max difference %.3g (%.0f ms with decoding and checking)%n",
                    file.getFileName(), max, (System.nanoTime() - start) / 1e6);
            assertTrue(max <= TOLERANCE, file + " at 960: max difference " + max);
        }
    }

    @Test
    void mirrorReflectsAboutEdgeCentres() {
        assertEquals(1, Owlv2ImageProcessor.mirror(-1, 5));
        assertEquals(3, Owlv2ImageProcessor.mirror(5, 5));
        assertEquals(0, Owlv2ImageProcessor.mirror(8, 5));
        assertEquals(1, Owlv2ImageProcessor.mirror(9, 5));
        assertEquals(0, Owlv2ImageProcessor.mirror(-3, 1));
    }

    @Test
    void gaussianIsScipysKernel() {
        // σ = 0.5: r = int(2.5) = 2, weights exp(-2 t²) normalized.
        double[] g = Owlv2ImageProcessor.Resampling.gaussian(0.5);
        double e1 = Math.exp(-2);
        double e2 = Math.exp(-8);
        double sum = 1 + 2 * e1 + 2 * e2;
        assertArrayEquals(new double[]{e2 / sum, e1 / sum, 1 / sum, e1 / sum, e2 / sum}, g, 1e-15);
        assertArrayEquals(new double[]{1}, Owlv2ImageProcessor.Resampling.gaussian(0), 0);
    }

    @Test
    void refusesSizesOutOfRange() {
        assertThrows(IllegalArgumentException.class, () -> new Owlv2ImageProcessor(0));
        assertThrows(IllegalArgumentException.class, () -> new Owlv2ImageProcessor(ClipImageProcessor.MAX_SIZE + 1));
    }
}
