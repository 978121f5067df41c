package org.qpert.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Same input, bitwise same output: cold (C1 only, where the Vector API runs its sequential Java fallback; one worker
 * thread) against warm (C2 with synchronous compilation after hundreds of iterations; the default worker pool), and
 * the first iteration of a JVM against its last. Unordered reductions (reduceLanes) broke this on JDK 25.
 */
class DeterminismTest {
    static final Path TINY = Path.of("../testdata/parity/tiny-blip2");
    static final Path IMAGE = Path.of("../testdata/parity/inputs/images/palette_120x90.png");

    @Test
    void embeddingBitsDoNotChangeWithJitWarmUpOrThreads() throws Exception {
        ChildJvm.Result cold = ChildJvm.run(120, List.of("-XX:TieredStopAtLevel=1", "-Dqpert.threads=1"),
                DeterminismProbe.class, TINY.toString(), IMAGE.toString(), "1");
        ChildJvm.Result warm = ChildJvm.run(240, List.of("-Xbatch", "-XX:-TieredCompilation", "-Dqpert.threads=3"),
                DeterminismProbe.class, TINY.toString(), IMAGE.toString(), "400");
        assertEquals(0, cold.exit(), cold.output());
        assertEquals(0, warm.exit(), warm.output());
        String coldFirst = line(cold.output(), "first ");
        assertEquals(coldFirst, line(warm.output(), "first "), "cold JVM against the warm JVM's first iteration");
        assertEquals(coldFirst, line(warm.output(), "last "), "cold JVM against the warm JVM after warm-up");
    }

    private static String line(String output, String prefix) {
        return output.lines().filter(l -> l.startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no '" + prefix + "' line in:\n" + output))
                .substring(prefix.length());
    }
}
