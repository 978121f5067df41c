package org.qpert.core.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A JVM started without --add-modules jdk.incubator.vector runs scalar kernels and says so once, with the fix. */
class ScalarFallbackWarningTest {

    @Test
    void warnsOnceNamingTheFlag() throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                ScalarFallbackProbe.class.getName()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "probe JVM did not finish");
        assertEquals(0, p.exitValue(), out);
        List<String> lines = out.lines().toList();
        assertEquals(3, lines.stream().filter(l -> l.startsWith("kernels: scalar")).count(), out);
        assertEquals(1, lines.stream().filter(l -> l.contains("fall back to scalar code")).count(), out);
        assertTrue(out.contains("--add-modules jdk.incubator.vector"), out);
    }
}
