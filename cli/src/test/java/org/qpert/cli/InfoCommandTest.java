package org.qpert.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InfoCommandTest {
    @TempDir
    Path dir;

    @Test
    void printsConfigParametersAndDtypesOfTheFixture() {
        StringWriter out = new StringWriter();
        int rc = new CommandLine(new InfoCommand()).setOut(new PrintWriter(out))
                .execute("--model", "../testdata/parity/tiny-blip2");
        assertEquals(0, rc);
        String text = out.toString();
        assertTrue(text.contains("parameters  176242"), text);
        assertTrue(text.contains("dtype F32   149 tensors"), text);
        assertTrue(text.contains("hidden 64, layers 2, heads 4"), text);
    }

    @Test
    void describesAnOwlv2Checkpoint() {
        StringWriter out = new StringWriter();
        int rc = new CommandLine(new InfoCommand()).setOut(new PrintWriter(out))
                .execute("--model", "../testdata/parity/tiny-owlv2");
        assertEquals(0, rc);
        String text = out.toString();
        assertTrue(text.contains("type        owlv2"), text);
        assertTrue(text.contains("hidden 48, layers 2, heads 4, intermediate 80, image 96, patch 16 (37 tokens)"), text);
        assertTrue(text.contains("act quick_gelu"), text);
        assertTrue(text.contains("text        hidden 32, layers 2, heads 4, intermediate 56, vocab 90"), text);
        assertTrue(text.contains("grid 6x6 (36 boxes per image), projection 32"), text);
        assertTrue(text.contains("dtype F32   98 tensors"), text);
    }

    @Test
    void missingCheckpointIsOneClearLine() {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int rc;
        try {
            rc = Main.run("info", "--model", dir.toString());
        } finally {
            System.setErr(saved);
        }
        assertEquals(2, rc);
        String message = err.toString(StandardCharsets.UTF_8);
        assertTrue(message.startsWith("qpert info: ") && message.contains("config.json"), message);
    }
}
