package org.qpert.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs {@link Main} with stderr captured, for checking error messages. */
final class CliTestSupport {

    record Result(int status, String err) {
    }

    private CliTestSupport() {
    }

    static Result runMain(String... args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            return new Result(Main.run(args), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(saved);
        }
    }

    static void assertOneLine(Result r, String prefix, String... parts) {
        assertTrue(r.err().startsWith(prefix), r.err());
        assertTrue(r.err().strip().lines().count() == 1, "one line: " + r.err());
        for (String part : parts) {
            assertTrue(r.err().contains(part), "\"" + part + "\" missing from: " + r.err());
        }
    }
}
