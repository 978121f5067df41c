package org.qpert.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.cli.Main;
import org.qpert.loaders.safetensors.SafetensorsFile;
import org.qpert.loaders.safetensors.SafetensorsWriter;

/** {@code qpert parity --activations}: table, last line and exit status. */
class ParityCommandTest {
    static final String DIR = TinyBlip2.DIR.toString();
    static final String ACTIVATIONS = TinyBlip2.DIR.resolve("activations.safetensors").toString();

    record Run(int status, String out, String err) {
        String lastLine() {
            String[] lines = out.strip().split("\n");
            return lines[lines.length - 1];
        }
    }

    static Run run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int status = Main.run(args);
            return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void f32PassesOnEveryKey() {
        Run r = run("parity", "--model", DIR, "--activations", ACTIVATIONS);
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.lastLine().matches("max relative error \\S+ over 79 tensors"), r.lastLine());
        assertTrue(r.out().contains("itc_image/qformer.encoder.layer.2.crossattention"), r.out());
    }

    @Test
    void f16AndBf16WeightsCompareWithTheirKeys() {
        for (String w : new String[] {"model-f16.safetensors", "model-bf16.safetensors"}) {
            Run r = run("parity", "--model", DIR, "--weights", w, "--activations", ACTIVATIONS);
            assertEquals(0, r.status(), w + ": " + r.out() + r.err());
            assertTrue(r.lastLine().endsWith("over 4 tensors"), r.lastLine());
        }
    }

    @Test
    void aTinyToleranceFailsWithStatusOne() {
        Run r = run("parity", "--model", DIR, "--activations", ACTIVATIONS, "--tolerance", "1e-12");
        assertEquals(1, r.status());
        assertTrue(r.out().contains("FAIL"), r.out());
    }

    /** Any export of the format works: a reduced one with 1 image, 2 texts and a perturbed reference fails. */
    @Test
    void worksOnAnotherExportAndDetectsAWrongReference(@TempDir Path tmp) throws Exception {
        Path small = tmp.resolve("small.safetensors");
        try (SafetensorsFile f = SafetensorsFile.open(Path.of(ACTIVATIONS))) {
            float[] px = f.readFloats("inputs/pixel_values");
            long[] ids = f.readLongs("inputs/input_ids");
            long[] mask = f.readLongs("inputs/attention_mask");
            float[] logits = f.readFloats("itc/logits_per_image"); // [2, 3]
            float[] wrong = {logits[0], logits[1] + 0.5f};
            new SafetensorsWriter()
                    .addF32("inputs/pixel_values", new long[] {1, 3, 56, 56}, java.util.Arrays.copyOf(px, 3 * 56 * 56))
                    .addI64("inputs/input_ids", new long[] {2, 7}, java.util.Arrays.copyOf(ids, 14))
                    .addI64("inputs/attention_mask", new long[] {2, 7}, java.util.Arrays.copyOf(mask, 14))
                    .addF32("itc/logits_per_image", new long[] {1, 2}, wrong)
                    .write(small);
        }
        Run r = run("parity", "--model", DIR, "--activations", small.toString());
        assertEquals(1, r.status(), r.out());
        assertTrue(r.lastLine().endsWith("over 1 tensors"), r.lastLine());
    }

    @Test
    void missingInputIsOneClearLine(@TempDir Path tmp) throws Exception {
        Path bad = tmp.resolve("bad.safetensors");
        new SafetensorsWriter().addF32("x", new long[] {1}, new float[] {1}).write(bad);
        Run r = run("parity", "--model", DIR, "--activations", bad.toString());
        assertEquals(2, r.status());
        assertTrue(r.err().contains("missing tensor inputs/pixel_values"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(Files.exists(bad));
    }

    @Test
    void qpertExportsPassAndATinyToleranceFails() {
        for (String name : PerturbationParityTest.FIXTURES) {
            String dir = TinyBlip2.DIR.resolve(name).toString();
            Run r = run("parity", "--model", DIR, "--qpert", dir);
            assertEquals(0, r.status(), name + ": " + r.out() + r.err());
            assertTrue(r.lastLine().matches("max relative error \\S+ over 12 tensors"), r.lastLine());
            assertTrue(r.out().contains("itc/crossattention.2.query_perturbed"), r.out());
        }
        Run r = run("parity", "--model", DIR, "--qpert", TinyBlip2.DIR.resolve(PerturbationParityTest.FIXTURES[0])
                .toString(), "--tolerance", "1e-12");
        assertEquals(1, r.status(), r.out());
        assertTrue(r.out().contains("FAIL"), r.out());
    }

    @Test
    void qpertFolderWithoutSettingsIsOneClearLine(@TempDir Path tmp) {
        Run r = run("parity", "--model", DIR, "--qpert", tmp.toString());
        assertEquals(2, r.status(), r.out());
        assertTrue(r.err().contains("qpert.json"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }
}
