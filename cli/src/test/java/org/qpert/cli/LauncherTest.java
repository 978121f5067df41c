package org.qpert.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The ./qpert launcher rebuilds the jar when any module it is built from changes, and its comments match README. */
class LauncherTest {
    private static final Path ROOT = Path.of("..");

    /** The qpert modules a module's pom depends on. */
    private static Set<String> dependencies(String module) throws IOException {
        String pom = Files.readString(ROOT.resolve(module).resolve("pom.xml"));
        Matcher m = Pattern.compile("<artifactId>qpert-([a-z]+)</artifactId>").matcher(pom);
        Set<String> deps = new TreeSet<>();
        while (m.find()) {
            deps.add(m.group(1));
        }
        deps.remove("parent");
        deps.remove(module);
        return deps;
    }

    private static String launcher() throws IOException {
        return Files.readString(ROOT.resolve("qpert"));
    }

    @Test
    void rebuildsWhenAnyModuleOfTheJarChanges() throws IOException {
        Matcher m = Pattern.compile("(?m)^modules=\\(([a-z ]+)\\)$").matcher(launcher());
        assertTrue(m.find(), "the launcher lists its modules in modules=(...)");
        Set<String> listed = new TreeSet<>(Arrays.asList(m.group(1).trim().split(" +")));
        Set<String> needed = new TreeSet<>(dependencies("cli"));
        needed.add("cli");
        for (String module : Set.copyOf(needed)) {
            needed.addAll(dependencies(module));
        }
        assertEquals(needed, listed, "the modules cli/target/qpert.jar is built from");
    }

    @Test
    void heapCommentAgreesWithTheReadme() throws IOException {
        String script = launcher();
        String readme = Files.readString(ROOT.resolve("README.md"));
        assertTrue(!script.contains("upcast") && !script.contains("widened"), "16-bit weights stay 16-bit");
        for (String claim : new String[] {"2.3 GB", "4.7 GB", "-Xmx4g", "-Xmx6g"}) {
            assertTrue(script.contains(claim) && readme.contains(claim), claim);
        }
    }
}
