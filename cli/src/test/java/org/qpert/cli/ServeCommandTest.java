package org.qpert.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.engine.DemoModel;

/** {@code qpert serve} only parses flags; bad ones are one clear line before anything listens. */
class ServeCommandTest {
    @TempDir
    Path dir;

    @Test
    void missingModelIsOneClearLine() {
        CliTestSupport.Result r = CliTestSupport.runMain("serve", "--model", dir.resolve("nope").toString(), "--store",
                dir.resolve("store").toString(), "--port", "0");
        assertEquals(2, r.status());
        CliTestSupport.assertOneLine(r, "qpert serve: ", "--model", "nope");
    }

    @Test
    void storeThatIsAFileIsOneClearLine() throws Exception {
        Path model = DemoModel.extract(dir.resolve("model"));
        Path file = Files.writeString(dir.resolve("store.txt"), "not a store");
        CliTestSupport.Result r = CliTestSupport.runMain("serve", "--model", model.toString(), "--store",
                file.toString(), "--port", "0");
        assertEquals(2, r.status());
        CliTestSupport.assertOneLine(r, "qpert serve: ", "store.txt", "not a directory");
    }

    @Test
    void badPortIsRefused() throws Exception {
        Path model = DemoModel.extract(dir.resolve("model"));
        CliTestSupport.Result r = CliTestSupport.runMain("serve", "--model", model.toString(), "--store",
                dir.resolve("store").toString(), "--port", "70000");
        assertEquals(2, r.status());
        CliTestSupport.assertOneLine(r, "qpert serve: ", "70000");
    }

    /** Issue 22 item 8: an address serve cannot listen on is one line naming host and port. */
    @Test
    void unresolvableHostAndBusyPortNameHostAndPort() throws Exception {
        Path model = DemoModel.extract(dir.resolve("model"));
        CliTestSupport.Result bad = CliTestSupport.runMain("serve", "--model", model.toString(), "--store",
                dir.resolve("store").toString(), "--host", "999.1.1.1", "--port", "0");
        assertEquals(2, bad.status(), bad.err());
        CliTestSupport.assertOneLine(bad, "qpert serve: cannot listen on host 999.1.1.1 port 0: no such address");
        try (java.net.ServerSocket busy = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getByName("127.0.0.1"))) {
            String port = String.valueOf(busy.getLocalPort());
            CliTestSupport.Result inUse = CliTestSupport.runMain("serve", "--model", model.toString(), "--store",
                    dir.resolve("store").toString(), "--host", "127.0.0.1", "--port", port);
            assertEquals(2, inUse.status(), inUse.err());
            CliTestSupport.assertOneLine(inUse, "qpert serve: cannot listen on host 127.0.0.1 port " + port
                    + ": the port is in use");
        }
    }

    /**
     * Issue 22 item 15: the start line (address, images, ITC source) is printed once, not by both the CLI and the
     * server. Runs {@code qpert serve --port 0} in a child JVM until it has started, then stops it with SIGTERM.
     */
    @Test
    @Timeout(120)
    void startLineIsPrintedOnce() throws Exception {
        Path model = DemoModel.extract(dir.resolve("model"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-modules") || a.startsWith("--sun-misc-unsafe")).forEach(cmd::add);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve", "--model",
                model.toString(), "--store", dir.resolve("store").toString(), "--port", "0"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                lines.add(line);
                if (line.contains("qpert serve: http://")) {
                    // anything printed right after the start line would still show up here
                    Thread.sleep(1000);
                    p.toHandle().destroy();   // SIGTERM; Process.destroy would close our end of the pipe
                }
            }
        } finally {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        long starts = lines.stream().filter(l -> l.contains("qpert serve: http://")).count();
        assertEquals(1, starts, "one start line: " + String.join("\n", lines));
        String start = lines.stream().filter(l -> l.contains("qpert serve: http://")).findFirst().orElseThrow();
        assertTrue(start.contains("0 images, ITC memory"), start);
    }
}
