package org.qpert.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Errors keep their cause, usage errors are short, every command has --help, flags are checked before loading. */
class CliErrorsTest {

    record Result(int status, String out, String err) {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int status = cl.execute(args);
        return new Result(status, out.toString(), err.toString());
    }

    @Test
    void fileErrorsNameThePathAndTheReason(@TempDir Path dir) {
        Path missing = dir.resolve("no-folder/o.safetensors");
        assertEquals(missing + ": no such file or directory (folder " + missing.getParent() + " does not exist)",
                Main.messageOf(new NoSuchFileException(missing.toString())));
        assertEquals("/s/index.json.tmp: permission denied",
                Main.messageOf(new AccessDeniedException("/s/index.json.tmp")));
        assertEquals("cannot read store shard /s/x: permission denied", Main.messageOf(new UncheckedIOException(
                "cannot read store shard /s/x: /s/x", new AccessDeniedException("/s/x"))));
        assertEquals("/s/x: permission denied",
                Main.messageOf(new UncheckedIOException(new AccessDeniedException("/s/x"))));
        String npe = Main.messageOf(new NullPointerException());
        assertTrue(npe.startsWith("internal error") && !npe.contains("Exception"), npe);
    }

    @Test
    void preprocessIntoAMissingFolderAndOverItsInput(@TempDir Path dir) throws Exception {
        Path image = dir.resolve("in.png");
        Files.copy(Path.of("../testdata/parity/inputs/images/rgb_53x37.png"), image);
        byte[] before = Files.readAllBytes(image);
        Result over = run("preprocess", "--size", "8", "--out", image.toString(), image.toString());
        assertEquals(2, over.status());
        assertEquals("qpert preprocess: --out " + image + " is the input image " + image
                + " this run reads; writing there could overwrite it, choose another output", over.err().strip());
        assertArrayEquals(before, Files.readAllBytes(image), "the input image is untouched");
        Path nowhere = dir.resolve("missing/o.safetensors");
        Result missing = run("preprocess", "--size", "8", "--out", nowhere.toString(), image.toString());
        assertEquals(2, missing.status());
        assertEquals("qpert preprocess: " + nowhere + ": no such file or directory (folder " + nowhere.getParent()
                + " does not exist)", missing.err().strip());
    }

    @Test
    void infoOnAFileNamesIt(@TempDir Path dir) throws Exception {
        Path file = Files.write(dir.resolve("model.bin"), new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1});
        Result r = run("info", "--model", file.toString());
        assertEquals(2, r.status());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(file.toString()), r.err());
        assertFalse(r.err().contains("Input length"), r.err());
    }

    @Test
    void usageErrorIsOneLineAndAHint() {
        Result r = run("embed", "--images");
        assertEquals(2, r.status());
        List<String> lines = r.err().strip().lines().toList();
        assertEquals(2, lines.size(), r.err());
        assertTrue(lines.get(0).startsWith("qpert embed: "), r.err());
        assertEquals("Try 'qpert embed --help' for more information.", lines.get(1));
        Result nested = run("store", "verify");
        assertEquals("Try 'qpert store verify --help' for more information.",
                nested.err().strip().lines().reduce((a, b) -> b).orElse(""));
    }

    @Test
    void aNestedCommandsErrorNamesItsWholePath(@TempDir Path dir) {
        Result r = run("store", "verify", dir.resolve("no-such-store").toString());
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().startsWith("qpert store verify: "), r.err());
    }

    @Test
    void everyCommandTakesHelp() {
        List<String[]> commands = new ArrayList<>();
        collect(Main.commandLine(), new ArrayList<>(), commands);
        assertTrue(commands.size() >= 12, "found " + commands.size());
        for (String[] c : commands) {
            List<String> args = new ArrayList<>(List.of(c));
            args.add("--help");
            Result r = run(args.toArray(String[]::new));
            assertEquals(0, r.status(), String.join(" ", args) + ": " + r.err());
            assertTrue(r.out().startsWith("Usage: qpert"), String.join(" ", args) + ": " + r.out());
        }
    }

    private static void collect(CommandLine cl, List<String> path, List<String[]> out) {
        cl.getSubcommands().forEach((name, sub) -> {
            if (name.equals("help")) {
                return;
            }
            List<String> p = new ArrayList<>(path);
            p.add(name);
            out.add(p.toArray(String[]::new));
            collect(sub, p, out);
        });
    }

    /** Out-of-range flags fail before the model loads: the model folder here does not even exist. */
    @Test
    void rangesAreCheckedBeforeTheModelLoads(@TempDir Path dir) {
        String nope = dir.resolve("no-model").toString(), store = dir.resolve("s").toString();
        assertEquals("qpert embed: perturbation alpha must be a finite number > 0, got -3.0", run("embed", "--images",
                dir.toString(), "--model", nope, "--store", store, "--alpha", "-3").err().strip());
        assertEquals("qpert search: --top must be at least 1, got 0",
                run("search", "--text", "x", "--model", nope, "--store", store, "--top", "0").err().strip());
        assertEquals("qpert search: --itm-k must be at least 0, got -1",
                run("search", "--text", "x", "--model", nope, "--store", store, "--itm-k", "-1").err().strip());
        assertEquals("qpert eval: --batch must be at least 1, got 0", run("eval", "--dataset", "coco", "--root",
                dir.toString(), "--model", nope, "--batch", "0").err().strip());
        assertEquals("qpert embed: --batch must be at least 1, got 0", run("embed", "--images", dir.toString(),
                "--model", nope, "--store", store, "--batch", "0").err().strip());
    }
}
