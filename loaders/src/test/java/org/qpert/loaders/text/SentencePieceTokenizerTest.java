package org.qpert.loaders.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SentencePiece BPE encoder, exact against the library: the fixture's captions (InternVL's "summarize:" prefix,
 * BOS/EOS, right padding to 20, checked there against transformers' LlamaTokenizer) and 308 texts encoded by
 * sentencepiece itself (loaders/src/test/python/make_sentencepiece_cases.py).
 */
class SentencePieceTokenizerTest {
    static final Path DIR = Path.of("../testdata/parity/tiny-internvl/tokenizer");

    static int[] ints(JsonArray a) {
        return a.asList().stream().mapToInt(JsonElement::getAsInt).toArray();
    }

    static List<String> strings(JsonArray a) {
        List<String> out = new ArrayList<>();
        a.forEach(e -> out.add(e.getAsString()));
        return out;
    }

    @Test
    void theFixturesCaptionsExactlyAsLlamaTokenizer() throws IOException {
        SentencePieceTokenizer sp = SentencePieceTokenizer.load(DIR);
        JsonObject fixture = JsonParser.parseString(Files.readString(DIR.resolve("cases.json"))).getAsJsonObject();
        int max = fixture.get("max_length").getAsInt(), pad = fixture.get("pad_id").getAsInt();
        for (JsonElement e : fixture.getAsJsonArray("cases")) {
            JsonObject c = e.getAsJsonObject();
            String prefixed = c.get("prefixed").getAsString();
            assertEquals(strings(c.getAsJsonArray("pieces")), sp.pieces(prefixed), prefixed);
            Encoding enc = sp.encode(prefixed, max, pad, true);
            assertArrayEquals(ints(c.getAsJsonArray("input_ids")), enc.ids(), prefixed);
            assertArrayEquals(ints(c.getAsJsonArray("transformers_input_ids")), enc.ids(), prefixed);
        }
    }

    @Test
    void everyLibraryCaseExactly() throws IOException {
        SentencePieceTokenizer sp = SentencePieceTokenizer.load(DIR.resolve(SentencePieceTokenizer.FILE_NAME));
        JsonArray cases = JsonParser.parseString(Files.readString(DIR.resolve("sentencepiece_cases.json")))
                .getAsJsonObject().getAsJsonArray("cases");
        assertTrue(cases.size() > 300);
        for (JsonElement e : cases) {
            JsonObject c = e.getAsJsonObject();
            String text = c.get("text").getAsString();
            assertArrayEquals(ints(c.getAsJsonArray("ids")), sp.encode(text), "'" + text + "'");
        }
    }

    @Test
    void truncationKeepsBosAndEosAndUnpaddedHasNoPadding() throws IOException {
        SentencePieceTokenizer sp = SentencePieceTokenizer.load(DIR);
        String text = "summarize:" + "a dog runs on the beach ".repeat(10);
        int[] pieces = sp.encode(text);
        Encoding cut = sp.encode(text, 20, 0, true);
        assertEquals(20, cut.length());
        assertEquals(1, cut.ids()[0]);
        assertEquals(2, cut.ids()[19]);
        assertArrayEquals(Arrays.copyOf(pieces, 18), Arrays.copyOfRange(cut.ids(), 1, 19));
        Encoding shortOne = sp.encode("summarize:a", 20, 0, false);
        assertEquals(sp.encode("summarize:a").length + 2, shortOne.length());
        assertTrue(Arrays.stream(shortOne.attentionMask()).allMatch(m -> m == 1));
    }

    @Test
    void aFolderWithoutTheModelOrABrokenFileIsRefusedNamingIt(@TempDir Path dir) throws IOException {
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> SentencePieceTokenizer.load(dir));
        assertTrue(none.getMessage().contains("has no tokenizer.model"), none.getMessage());
        byte[] good = Files.readAllBytes(DIR.resolve(SentencePieceTokenizer.FILE_NAME));
        Path cut = dir.resolve("tokenizer.model");
        Files.write(cut, Arrays.copyOf(good, good.length / 2));
        IllegalArgumentException truncated = assertThrows(IllegalArgumentException.class,
                () -> SentencePieceTokenizer.load(dir));
        assertTrue(truncated.getMessage().startsWith(cut + ": not a SentencePiece model"), truncated.getMessage());
        Files.write(cut, new byte[] {0x0a, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f});
        IllegalArgumentException lying = assertThrows(IllegalArgumentException.class,
                () -> SentencePieceTokenizer.load(dir));
        assertTrue(lying.getMessage().contains("bytes where"), lying.getMessage());
    }
}
