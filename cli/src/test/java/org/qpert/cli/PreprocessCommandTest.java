package org.qpert.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.loaders.safetensors.SafetensorsFile;
import picocli.CommandLine;

/** The preprocess tool reproduces images.safetensors (exactly for PNGs) under the same tensor names. */
class PreprocessCommandTest {

    static final Path INPUTS = Path.of("../testdata/parity/inputs");

    @TempDir
    Path dir;

    @Test
    void writesPixelValuesAndResizedBytesMatchingTheFixture() throws IOException {
        Path out = dir.resolve("pre.safetensors");
        StringWriter stdout = new StringWriter();
        int rc = new CommandLine(new PreprocessCommand()).setOut(new PrintWriter(stdout)).execute(
                "--size", "224", "--out", out.toString(),
                INPUTS.resolve("images/palette_120x90.png").toString(),
                INPUTS.resolve("images/rgb_53x37.png").toString());
        assertEquals(0, rc);
        assertTrue(stdout.toString().contains("wrote 2 image(s)"), stdout.toString());
        try (SafetensorsFile ours = SafetensorsFile.open(out);
             SafetensorsFile fixture = SafetensorsFile.open(INPUTS.resolve("images.safetensors"))) {
            for (String name : new String[]{"palette_120x90", "rgb_53x37"}) {
                assertArrayEquals(new long[]{3, 224, 224}, ours.info("pixel_values/" + name).shape());
                assertArrayEquals(new long[]{224, 224, 3}, ours.info("resized_u8/" + name).shape());
                assertArrayEquals(fixture.readBytes("resized_u8/224/" + name), ours.readBytes("resized_u8/" + name));
                // Tolerance 1e-6, the fixture's stated bound for float pixel values.
                assertArrayEquals(fixture.readFloats("pixel_values/224/" + name),
                        ours.readFloats("pixel_values/" + name), 1e-6f);
            }
        }
    }

    @Test
    void owlv2ProcessorWritesPixelValuesMatchingTheFixture() throws IOException {
        Path out = dir.resolve("owl.safetensors");
        StringWriter stdout = new StringWriter();
        int rc = new CommandLine(new PreprocessCommand()).setOut(new PrintWriter(stdout)).execute(
                "--processor", "owlv2", "--size", "96", "--out", out.toString(),
                INPUTS.resolve("images/rgb_1000x200.png").toString(),
                INPUTS.resolve("images/rgba_200x300.png").toString());
        assertEquals(0, rc);
        assertTrue(stdout.toString().contains("wrote 2 image(s) at 96 x 96 (owlv2)"), stdout.toString());
        try (SafetensorsFile ours = SafetensorsFile.open(out);
             SafetensorsFile fixture = SafetensorsFile.open(
                     Path.of("../testdata/parity/tiny-owlv2/processor.safetensors"))) {
            assertEquals(2, ours.tensors().size(), "pixel values only: " + ours.tensors());
            for (String name : new String[]{"rgb_1000x200", "rgba_200x300"}) {
                // Tolerance 1e-5 absolute, the fixture's bound (Owlv2ImageProcessor with scipy).
                assertArrayEquals(fixture.readFloats("pixel_values/96/" + name),
                        ours.readFloats("pixel_values/" + name), 1e-5f);
            }
        }
        CliTestSupport.Result badProcessor = CliTestSupport.runMain("preprocess", "--processor", "owl", "--size", "96",
                "--out", out.toString(), INPUTS.resolve("images/rgb_53x37.png").toString());
        assertEquals(2, badProcessor.status());
        assertTrue(badProcessor.err().contains("--processor"), badProcessor.err());
    }

    @Test
    void missingImageAndDuplicateNamesAreOneClearLine() throws IOException {
        String out = dir.resolve("x.safetensors").toString();
        CliTestSupport.Result missing = CliTestSupport.runMain("preprocess", "--size", "224", "--out", out,
                dir.resolve("ghost.png").toString());
        assertEquals(2, missing.status());
        CliTestSupport.assertOneLine(missing, "qpert preprocess: ", "ghost.png", "not found");

        Path a = Files.createDirectories(dir.resolve("a")).resolve("img.png");
        Path b = Files.createDirectories(dir.resolve("b")).resolve("img.png");
        Files.copy(INPUTS.resolve("images/rgb_53x37.png"), a);
        Files.copy(INPUTS.resolve("images/rgb_53x37.png"), b);
        CliTestSupport.Result duplicate = CliTestSupport.runMain("preprocess", "--size", "32", "--out", out,
                a.toString(), b.toString());
        assertEquals(2, duplicate.status());
        CliTestSupport.assertOneLine(duplicate, "qpert preprocess: ", "same name img");
        assertTrue(Files.notExists(Path.of(out)), "nothing written on error");

        CliTestSupport.Result badSize = CliTestSupport.runMain("preprocess", "--size", "0", "--out", out, a.toString());
        assertEquals(2, badSize.status());
        CliTestSupport.assertOneLine(badSize, "qpert preprocess: ", "image size must be in 1..4096, got 0");
    }
}
