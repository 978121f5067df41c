package org.qpert.engine;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Starts a test-classpath main class in a fresh JVM of the running JDK, with the module flags the suite runs with. */
final class ChildJvm {
    private ChildJvm() {
    }

    /** Output of a finished child: its exit status and everything it printed (stdout and stderr together). */
    record Result(int exit, String output) {
    }

    static ProcessBuilder builder(List<String> jvmFlags, Class<?> main, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-modules") || a.startsWith("--sun-misc-unsafe") || a.startsWith("--enable-native")) {
                cmd.add(a);
            }
        }
        cmd.addAll(jvmFlags);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true);
    }

    static Result run(long timeoutSeconds, List<String> jvmFlags, Class<?> main, String... args)
            throws IOException, InterruptedException {
        Process p = builder(jvmFlags, main, args).start();
        return await(p, timeoutSeconds);
    }

    static Result await(Process p, long timeoutSeconds) throws IOException, InterruptedException {
        byte[][] out = new byte[1][];
        Thread reader = new Thread(() -> {
            try {
                out[0] = p.getInputStream().readAllBytes();
            } catch (IOException e) {
                out[0] = e.toString().getBytes(StandardCharsets.UTF_8);
            }
        });
        reader.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            reader.join(5000);
            throw new AssertionError("child JVM still running after " + timeoutSeconds + " s");
        }
        reader.join();
        return new Result(p.exitValue(), new String(out[0], StandardCharsets.UTF_8));
    }
}
