package org.qpert.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** The help texts: no picocli warnings, one --model option, options shared by commands worded for each of them. */
class HelpTextTest {

    /** Every command and subcommand by its full name ("qpert store verify"). */
    private static Map<String, CommandLine> commands() {
        Map<String, CommandLine> all = new LinkedHashMap<>();
        collect(Main.commandLine(), all);
        return all;
    }

    private static void collect(CommandLine cl, Map<String, CommandLine> all) {
        cl.getSubcommands().forEach((name, sub) -> {
            if (!name.equals("help")) {
                all.put(sub.getCommandSpec().qualifiedName(), sub);
                collect(sub, all);
            }
        });
    }

    @Test
    void helpPrintsNoPicocliWarnings() {
        PrintStream saved = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        Map<String, String> usage = new LinkedHashMap<>();
        try {
            commands().forEach((name, cl) -> usage.put(name, cl.getUsageMessage()));
        } finally {
            System.setErr(saved);
        }
        assertEquals("", err.toString(StandardCharsets.UTF_8), "picocli complained while rendering --help");
        assertTrue(usage.get("qpert index").contains("25% larger"), usage.get("qpert index"));
    }

    @Test
    void modelIsOneOptionWithOneText() {
        List<String> with = new ArrayList<>();
        OptionSpec first = null;
        for (Map.Entry<String, CommandLine> c : commands().entrySet()) {
            OptionSpec model = c.getValue().getCommandSpec().findOption("--model");
            if (model == null) {
                continue;
            }
            with.add(c.getKey());
            if (first == null) {
                first = model;
            }
            assertArrayEquals(first.description(), model.description(), c.getKey());
            assertEquals("DIR|ORG/NAME[@REV]", model.paramLabel(), c.getKey());
            assertFalse(String.join(" ", model.description()).contains("BLIP-2"), c.getKey());
        }
        assertTrue(with.containsAll(List.of("qpert info", "qpert embed", "qpert search", "qpert eval", "qpert demo",
                "qpert serve", "qpert parity", "qpert tokenize", "qpert preprocess", "qpert detect")), "" + with);
        String text = String.join(" ", first.description());
        assertTrue(text.contains("any family") && text.contains("Hub id"), text);
    }

    @Test
    void modelIsRequiredWhereNothingElseStandsIn() {
        Map<String, CommandLine> all = commands();
        for (String name : List.of("qpert info", "qpert embed", "qpert search", "qpert eval", "qpert serve",
                "qpert parity", "qpert detect")) {
            assertTrue(all.get(name).getCommandSpec().findOption("--model").required(), name);
        }
        assertEquals(0, CliErrorsTest.run("tokenize", "--help").status());
        CliErrorsTest.Result missing = CliErrorsTest.run("serve", "--store", "s");
        assertEquals(2, missing.status());
        assertTrue(missing.err().contains("--model"), missing.err());
        assertTrue(all.get("qpert demo").getUsageMessage().contains("[--model=DIR|ORG/NAME[@REV]]"),
                "demo has its bundled model: --model is optional");
    }

    @Test
    void noQpertIsWordedForSearchAndServe() {
        Map<String, CommandLine> all = commands();
        String embed = String.join(" ", all.get("qpert embed").getCommandSpec().findOption("--no-qpert").description());
        for (String name : List.of("qpert search", "qpert serve")) {
            String text = String.join(" ", all.get(name).getCommandSpec().findOption("--no-qpert").description());
            assertNotEquals(embed, text, name);
            assertTrue(text.contains("store") && !text.startsWith("Embed"),
                    name + ": " + text);
        }
        String serve = all.get("qpert serve").getUsageMessage();
        assertFalse(serve.contains("--model=DIR "), serve);
    }
}
