package org.qpert.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The tokenize tool on the fixture vocabulary: each output line is the fixture's id array for that input line. */
class TokenizeCommandTest {

    static final Path INPUTS = Path.of("../testdata/parity/inputs");

    static List<String> run(String stdin, String... args) {
        TokenizeCommand command = new TokenizeCommand();
        command.input = new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8));
        StringWriter out = new StringWriter();
        int rc = new CommandLine(command).setOut(new PrintWriter(out)).execute(args);
        assertEquals(0, rc);
        return out.toString().lines().toList();
    }

    static List<JsonObject> singleLineCases() throws IOException {
        JsonArray cases = JsonParser.parseString(Files.readString(INPUTS.resolve("tokenizer_cases.json")))
                .getAsJsonObject().getAsJsonArray("cases");
        List<JsonObject> result = new ArrayList<>();
        cases.forEach(c -> {
            String text = c.getAsJsonObject().get("text").getAsString();
            if (!text.contains("\n") && !text.contains("\r")) {
                result.add(c.getAsJsonObject());
            }
        });
        return result;
    }

    static String stdinOf(List<JsonObject> cases) {
        StringBuilder s = new StringBuilder();
        cases.forEach(c -> s.append(c.get("text").getAsString()).append('\n'));
        return s.toString();
    }

    @Test
    void rawIdsPerLine() throws IOException {
        List<JsonObject> cases = singleLineCases();
        List<String> lines = run(stdinOf(cases), "--vocab", INPUTS.resolve("vocab.txt").toString());
        assertEquals(cases.size(), lines.size());
        for (int i = 0; i < cases.size(); i++) {
            assertEquals(JsonParser.parseString(lines.get(i)), cases.get(i).get("ids"), lines.get(i));
        }
    }

    /** {@code --model}: the family's own handling (BLIP-2: LAVIS cleaning, 35 tokens), padding left out. */
    @Test
    void modelIdsAreTheFamilysOwnUnpadded(@org.junit.jupiter.api.io.TempDir Path model) throws IOException {
        Files.copy(Path.of("../testdata/parity/tiny-blip2/config.json"), model.resolve("config.json"));
        Files.copy(INPUTS.resolve("vocab.txt"), model.resolve("vocab.txt"));
        List<JsonObject> cases = singleLineCases().stream().filter(c -> {
            int words = 0;
            for (var m : c.getAsJsonArray("lavis_mask")) {
                words += m.getAsInt();
            }
            return words > 2; // captions with no word left after cleaning are refused, as the library refuses them
        }).toList();
        List<String> lines = run(stdinOf(cases), "--model", model.toString());
        assertEquals(cases.size(), lines.size());
        for (int i = 0; i < cases.size(); i++) {
            JsonArray ids = cases.get(i).getAsJsonArray("lavis_ids"), mask = cases.get(i).getAsJsonArray("lavis_mask");
            JsonArray unpadded = new JsonArray();
            for (int t = 0; t < ids.size() && mask.get(t).getAsInt() == 1; t++) {
                unpadded.add(ids.get(t));
            }
            assertEquals(unpadded, JsonParser.parseString(lines.get(i)), lines.get(i));
        }
    }

    /**
     * {@code --model} on tiny-internvl: "summarize:" + SentencePiece with BOS/EOS, exactly the fixture's ids without
     * their padding (cut to its length 20; the real model's 80 is the default).
     */
    @Test
    void internvlIdsAreSummarizePrefixedSentencePiece() throws IOException {
        Path dir = Path.of("../testdata/parity/tiny-internvl");
        JsonObject fixture = JsonParser.parseString(Files.readString(dir.resolve("tokenizer/cases.json")))
                .getAsJsonObject();
        List<JsonObject> cases = new ArrayList<>();
        fixture.getAsJsonArray("cases").forEach(c -> {
            if (!c.getAsJsonObject().get("text").getAsString().isBlank()) {
                cases.add(c.getAsJsonObject());
            }
        });
        List<String> lines = run(stdinOf(cases), "--model", dir.toString(), "--max-length",
                fixture.get("max_length").getAsString());
        assertEquals(cases.size(), lines.size());
        for (int i = 0; i < cases.size(); i++) {
            JsonArray unpadded = new JsonArray();
            cases.get(i).getAsJsonArray("input_ids").forEach(id -> {
                if (id.getAsInt() > 0) {
                    unpadded.add(id);
                }
            });
            assertEquals(unpadded, JsonParser.parseString(lines.get(i)), lines.get(i));
        }
    }

    @Test
    void lavisIdsPaddedToMaxLength() throws IOException {
        List<JsonObject> cases = singleLineCases();
        List<String> lines = run(stdinOf(cases), "--vocab", INPUTS.resolve("vocab.txt").toString(),
                "--lavis", "--max-length", "35");
        for (int i = 0; i < cases.size(); i++) {
            assertEquals(JsonParser.parseString(lines.get(i)), cases.get(i).get("lavis_ids"), lines.get(i));
        }
    }

    @Test
    void badArgumentsAreOneClearLine() {
        CliTestSupport.Result r = CliTestSupport.runMain("tokenize", "--vocab", "no/such/vocab.txt");
        assertEquals(2, r.status());
        CliTestSupport.assertOneLine(r, "qpert tokenize: ", "no/such/vocab.txt");
    }
}
