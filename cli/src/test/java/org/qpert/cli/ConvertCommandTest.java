package org.qpert.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

/** qpert convert on the PyTorch-made pickles of loaders' tests (tools/make_test_pickles.py). */
class ConvertCommandTest {

    static final Path PICKLES = Path.of("../loaders/src/test/resources/pickle");

    @TempDir
    Path dir;

    @Test
    void convertsAStateDictToTheTensorsTorchSaved() throws IOException {
        Path out = dir.resolve("model.safetensors");
        StringWriter stdout = new StringWriter();
        int rc = new CommandLine(new ConvertCommand()).setOut(new PrintWriter(stdout))
                .execute(PICKLES.resolve("state_dict.bin").toString(), out.toString());
        assertEquals(0, rc);
        assertTrue(stdout.toString().contains("wrote 9 tensors"), stdout.toString());
        try (SafetensorsFile ours = SafetensorsFile.open(out);
             SafetensorsFile expected = SafetensorsFile.open(PICKLES.resolve("state_dict.expected.safetensors"))) {
            assertEquals(expected.tensors().size(), ours.tensors().size());
            assertArrayEquals(expected.readFloats("shared.b_transposed"), ours.readFloats("shared.b_transposed"));
        }
        assertFalse(Files.exists(dir.resolve("model.safetensors.part")));
    }

    @Test
    void refusesAnExistingOutputAndTheInputItself() throws IOException {
        Path in = dir.resolve("in.bin");
        Files.copy(PICKLES.resolve("state_dict.bin"), in);
        CliTestSupport.assertOneLine(CliTestSupport.runMain("convert", in.toString(), in.toString()),
                "qpert convert: ", "is the input");
        Path existing = Files.writeString(dir.resolve("taken.safetensors"), "keep me");
        CliTestSupport.assertOneLine(CliTestSupport.runMain("convert", in.toString(), existing.toString()),
                "qpert convert: ", "already exists");
        assertEquals("keep me", Files.readString(existing));
    }

    @Test
    void aMaliciousPickleIsOneLineAndLeavesNoOutput() {
        Path out = dir.resolve("evil.safetensors");
        CliTestSupport.Result r = CliTestSupport.runMain("convert",
                PICKLES.resolve("evil_os_system.bin").toString(), out.toString());
        assertEquals(2, r.status());
        CliTestSupport.assertOneLine(r, "qpert convert: ", "refused global posix.system", "evil_os_system.bin");
        assertFalse(Files.exists(out));
        assertFalse(Files.exists(dir.resolve("evil.safetensors.part")));
    }
}
