package org.qpert.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.loaders.safetensors.DType;
import org.qpert.loaders.safetensors.SafetensorsFile;
import org.qpert.loaders.safetensors.SafetensorsWriter;
import org.qpert.loaders.safetensors.TensorInfo;
import picocli.CommandLine;

/** {@code qpert parity} with 16-bit checkpoints, with and without the export's f16w/ keys. */
@Timeout(120)
class ParityCommandTest {
    static final Path TINY = Path.of("../testdata/parity/tiny-blip2");
    static final Pattern LAST = Pattern.compile("max relative error (\\S+) over (\\d+) tensors");

    @TempDir
    Path dir;

    record Run(int status, String out) {
        int compared() {
            Matcher m = LAST.matcher(out);
            assertTrue(m.find(), out);
            return Integer.parseInt(m.group(2));
        }
    }

    static Run parity(String... args) {
        StringWriter out = new StringWriter();
        int rc = new CommandLine(new ParityCommand()).setOut(new PrintWriter(out)).execute(args);
        return new Run(rc, out.toString());
    }

    /** The tiny export without its f16w/ and bf16w/ keys, as a user's own export of a 16-bit checkpoint would be. */
    Path plainExport() throws IOException {
        return export(null);
    }

    /** That plain export, with 0.5 added to every value of the tensor {@code corrupted} (null: none). */
    Path export(String corrupted) throws IOException {
        SafetensorsWriter w = new SafetensorsWriter();
        try (SafetensorsFile f = SafetensorsFile.open(TINY.resolve("activations.safetensors"))) {
            for (TensorInfo t : f.tensors()) {
                if (t.name().startsWith("f16w/") || t.name().startsWith("bf16w/")) {
                    continue;
                }
                if (t.dtype() == DType.F32) {
                    float[] v = f.readFloats(t.name());
                    for (int i = 0; t.name().equals(corrupted) && i < v.length; i++) {
                        v[i] += 0.5f;
                    }
                    w.addF32(t.name(), t.shape(), v);
                } else {
                    w.addI64(t.name(), t.shape(), f.readLongs(t.name()));
                }
            }
        }
        Path file = dir.resolve("plain.safetensors");
        w.write(file);
        return file;
    }

    @Test
    void aSixteenBitCheckpointIsComparedWithThePlainKeysWhenTheExportHasNoRoundedOnes() throws IOException {
        Run run = parity("--model", TINY.toString(), "--weights", "model-f16.safetensors", "--activations",
                plainExport().toString(), "--tolerance", "5e-2");
        assertTrue(run.out().contains("note: the checkpoint is stored in F16 and the export has no f16w/ keys"),
                run.out());
        assertTrue(run.compared() > 50, "every stage compared: " + run.out());
        assertEquals(0, run.status(), run.out());
        // F16 weights against F32 activations differ by the rounding, which a tight tolerance sees.
        assertEquals(1, parity("--model", TINY.toString(), "--weights", "model-f16.safetensors", "--activations",
                plainExport().toString(), "--tolerance", "1e-7").status());
    }

    @Test
    void aMismatchNamesTheFirstDifferingStage() throws IOException {
        String stage = "itc_image/qformer.encoder.layer.2";
        Run run = parity("--model", TINY.toString(), "--activations", export(stage).toString());
        assertEquals(1, run.status(), run.out());
        assertTrue(run.out().contains("1 of " + run.compared() + " tensors exceed the tolerance"), run.out());
        assertTrue(run.out().contains("first differing stage: " + stage + " (rel err "), run.out());
        assertEquals(0, parity("--model", TINY.toString(), "--activations", plainExport().toString()).status());
    }

    @Test
    void theRoundedKeysAreUsedWhenTheExportHasThem() {
        for (String weights : List.of("model-f16.safetensors", "model-bf16.safetensors")) {
            Run run = parity("--model", TINY.toString(), "--weights", weights, "--activations",
                    TINY.resolve("activations.safetensors").toString());
            assertFalse(run.out().contains("note:"), run.out());
            assertEquals(4, run.compared(), run.out());
            assertEquals(0, run.status(), run.out());
        }
    }
}
