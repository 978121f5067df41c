package org.qpert.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
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
}
