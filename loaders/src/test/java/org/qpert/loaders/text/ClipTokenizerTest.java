package org.qpert.loaders.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CLIP BPE on a 90-token vocabulary written for this test (testdata/clip-tokenizer: vocab.json + merges.txt, and the
 * same as a tokenizer.json with [left, right] merges). Ids, by construction of the files:
 * <pre>
 * 0 "!"   1..26 a..z   27..52 a&lt;/w&gt;..z&lt;/w&gt;   53 do   54 dog&lt;/w&gt;   55 dog   56 dogs&lt;/w&gt;   57 ed&lt;/w&gt;
 * 58 red&lt;/w&gt;   59 ll&lt;/w&gt;   60 all&lt;/w&gt;   61 ball&lt;/w&gt;   62 '   63 '&lt;/w&gt;   64 's&lt;/w&gt;   65 Ã   66 ©&lt;/w&gt;
 * 67 Ã©&lt;/w&gt;   68 1&lt;/w&gt;   69 2&lt;/w&gt;   70 0&lt;/w&gt;   71..77 3&lt;/w&gt;..9&lt;/w&gt;   78 .&lt;/w&gt;   79 -&lt;/w&gt;   80 ?&lt;/w&gt;   81 ll
 * 82..87 ) / : ; &amp; + with &lt;/w&gt;   88 &lt;|startoftext|&gt;   89 &lt;|endoftext|&gt; (also the unknown token)
 * merges by rank: 0 "d o", 1 "do g&lt;/w&gt;", 2 "do g", 3 "dog s&lt;/w&gt;", 4 "e d&lt;/w&gt;", 5 "r ed&lt;/w&gt;", 6 "l l&lt;/w&gt;",
 * 7 "a ll&lt;/w&gt;", 8 "b all&lt;/w&gt;", 9 "' s&lt;/w&gt;", 10 "Ã ©&lt;/w&gt;", 11 "l l"
 * </pre>
 * Hand derivations:
 * <ul>
 * <li>"  A  Dog's\tRED ball!  " normalizes to "a dog's red ball!", pre-tokens a | dog | 's | red | ball | !.
 *   a = [a&lt;/w&gt;] = 27. dog = [d, o, g&lt;/w&gt;] -(0)-&gt; [do, g&lt;/w&gt;] -(1)-&gt; [dog&lt;/w&gt;] = 54.
 *   's = [', s&lt;/w&gt;] -(9)-&gt; 64. red = [r, e, d&lt;/w&gt;] -(4)-&gt; [r, ed&lt;/w&gt;] -(5)-&gt; 58.
 *   ball = [b, a, l, l&lt;/w&gt;] -(6)-&gt; [b, a, ll&lt;/w&gt;] -(7)-&gt; [b, all&lt;/w&gt;] -(8)-&gt; 61. "!&lt;/w&gt;" is not in the
 *   vocabulary: the unknown token 89.</li>
 * <li>dogs = [d, o, g, s&lt;/w&gt;] -(0)-&gt; [do, g, s&lt;/w&gt;] -(2)-&gt; [dog, s&lt;/w&gt;] -(3)-&gt; 56.</li>
 * <li>lll = [l, l, l&lt;/w&gt;]: pairs (l, l) rank 11 and (l, l&lt;/w&gt;) rank 6, so the second: [l, ll&lt;/w&gt;] = 12, 59.
 *   lla = [l, l, a&lt;/w&gt;]: only (l, l) has a rank: [ll, a&lt;/w&gt;] = 81, 27.</li>
 * <li>"café 12": é is bytes C3 A9, byte-level "Ã" "©": [c, a, f, Ã, ©&lt;/w&gt;] -(10)-&gt; 3, 1, 6, 67; digits are
 *   single pre-tokens: 68, 69. "e" + U+0301 becomes é under NFC: 67.</li>
 * <li>"x-ray" = x | - | ray: 50, 79, then [r, a, y&lt;/w&gt;] has no merge: 18, 1, 51.</li>
 * </ul>
 */
class ClipTokenizerTest {

    static final Path FILES = Path.of("../testdata/clip-tokenizer");

    @TempDir
    Path dir;

    static List<ClipTokenizer> bothFormats() {
        return List.of(ClipTokenizer.load(FILES.resolve("vocab.json")),
                ClipTokenizer.load(FILES.resolve("tokenizer.json")));
    }

    @Test
    void handCheckedIdsInBothFormats() {
        for (ClipTokenizer t : bothFormats()) {
            assertArrayEquals(new int[]{27, 54, 64, 58, 61, 89}, t.tokenIds("  A  Dog's\tRED ball!  "));
            assertArrayEquals(new int[]{56}, t.tokenIds("dogs"));
            assertArrayEquals(new int[]{12, 59}, t.tokenIds("lll"));
            assertArrayEquals(new int[]{81, 27}, t.tokenIds("lla"));
            assertArrayEquals(new int[]{3, 1, 6, 67, 68, 69}, t.tokenIds("café 12"));
            assertArrayEquals(new int[]{67}, t.tokenIds("e\u0301"));
            assertArrayEquals(new int[]{50, 79, 18, 1, 51}, t.tokenIds("x-ray"));
            assertArrayEquals(new int[]{27, 88, 54}, t.tokenIds("a<|startoftext|>dog"));
            assertEquals(88, t.bosId());
            assertEquals(89, t.eosId());
        }
    }

    @Test
    void encodingAddsBosEosAndPadsWithZero() {
        for (ClipTokenizer t : bothFormats()) {
            Encoding e = t.encode("a dog", 16);
            assertArrayEquals(new int[]{88, 27, 54, 89, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, e.ids());
            assertArrayEquals(new int[]{1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, e.attentionMask());
            EncodedBatch batch = t.encodeAll(List.of("dogs", "a red ball"), 16);
            assertEquals(16, batch.length());
            assertArrayEquals(new int[]{88, 56, 89, 0}, java.util.Arrays.copyOf(batch.ids()[0], 4));
            assertArrayEquals(new int[]{88, 27, 58, 61, 89, 0}, java.util.Arrays.copyOf(batch.ids()[1], 6));
        }
    }

    @Test
    void overlongQueryIsAnErrorNamingIt() {
        ClipTokenizer t = bothFormats().get(0);
        String fits = "a ".repeat(14).strip();
        assertEquals(89, t.encode(fits, 16).ids()[15]);
        String overlong = "a ".repeat(15).strip();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.encode(overlong, 16));
        assertTrue(e.getMessage().contains("\"" + overlong + "\"") && e.getMessage().contains("17 tokens")
                && e.getMessage().contains("16"), e.getMessage());
    }

    @Test
    void malformedFilesAreClearErrors() throws IOException {
        Path vocab = dir.resolve("vocab.json");
        Files.writeString(vocab, "{\"a</w>\": 0, \"<|endoftext|>\": 1}", StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\n", StandardCharsets.UTF_8);
        assertMessage(() -> ClipTokenizer.load(vocab), "<|startoftext|>");

        Files.writeString(vocab, "{\"a\": 0, \"a</w>\": 1, \"<|startoftext|>\": 2, \"<|endoftext|>\": 3}");
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\na a</w>\n", StandardCharsets.UTF_8);
        assertMessage(() -> ClipTokenizer.load(vocab), "merge 1", "aa</w>", "not in the vocabulary");
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\naa\n", StandardCharsets.UTF_8);
        assertMessage(() -> ClipTokenizer.load(vocab), "merges.txt line 2", "two symbols");

        Files.delete(dir.resolve("merges.txt"));
        assertMessage(() -> ClipTokenizer.load(dir), "merges.txt not found");

        Path json = dir.resolve("tokenizer.json");
        Files.writeString(json, "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {}}}");
        assertMessage(() -> ClipTokenizer.load(json), "tokenizer.json", "not BPE");
        Files.writeString(json, "{\"model\": {\"type\": \"BPE\", \"end_of_word_suffix\": \"</w>\", \"vocab\": "
                + "{\"<|startoftext|>\": 0, \"<|endoftext|>\": \"x\"}, \"merges\": []}}");
        assertMessage(() -> ClipTokenizer.load(json), "tokenizer.json", "must be a token id");
        Files.writeString(json, "{not json");
        assertMessage(() -> ClipTokenizer.load(json), "tokenizer.json", "invalid JSON");
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable call, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "\"" + part + "\" missing from: " + e.getMessage());
        }
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }
}
