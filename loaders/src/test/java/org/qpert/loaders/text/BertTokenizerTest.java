package org.qpert.loaders.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hand-checkable cases on a tiny vocabulary, tokenizer.json reading, and malformed inputs. */
class BertTokenizerTest {

    // ids:            0      1      2      3      4       5    6    7     8      9     10    11   12     13
    static final List<String> TOKENS = List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able",
            "cafe", "Cafe", "!", "##s", "hello", "a");

    @TempDir
    Path dir;

    Path vocab(List<String> tokens) throws IOException {
        Path file = dir.resolve("vocab.txt");
        Files.write(file, tokens, StandardCharsets.UTF_8);
        return file;
    }

    @Test
    void greedyLongestMatchWithContinuations() throws IOException {
        BertTokenizer t = BertTokenizer.load(vocab(TOKENS));
        assertFalse(t.settings().lowercase(), "a vocabulary with 'Cafe' is cased");
        assertArrayEquals(new int[]{5, 6, 7}, t.tokenIds("unaffable"));
        assertArrayEquals(new int[]{1}, t.tokenIds("unaffablex"), "uncoverable word -> [UNK], pieces dropped");
        assertArrayEquals(new int[]{9, 10, 10}, t.tokenIds("Cafe!!"));
        assertArrayEquals(new int[]{2, 12, 3}, t.encode("hello").ids());
    }

    @Test
    void uncasedVocabularyLowercasesAndStripsAccents() throws IOException {
        BertTokenizer t = BertTokenizer.load(vocab(TOKENS.subList(0, 9)));
        assertTrue(t.settings().lowercase());
        assertArrayEquals(new int[]{8, 8}, t.tokenIds("CAFÉ Cafe\u0301"));
    }

    @Test
    void literalSpecialTokensAreKeptButNotTheirLowercaseSpelling() throws IOException {
        BertTokenizer t = BertTokenizer.load(vocab(TOKENS));
        assertArrayEquals(new int[]{12, 4, 13}, t.tokenIds("hello[MASK]a"));
        assertArrayEquals(new int[]{1, 1, 1}, t.tokenIds("[mask]"), "'[', 'mask', ']' are not in the vocabulary");
    }

    @Test
    void wordsLongerThanTheLimitAreUnknown() throws IOException {
        String dog = "\uD83D\uDC36";
        List<String> tokens = new java.util.ArrayList<>(TOKENS);
        tokens.addAll(List.of(dog, "##" + dog, "##a"));
        BertTokenizer t = BertTokenizer.load(vocab(tokens));
        assertArrayEquals(new int[]{1}, t.tokenIds("a".repeat(101)));
        assertEquals(100, t.tokenIds("a".repeat(100)).length, "100 characters are still cut into pieces");
        // The limit counts code points: 60 emoji are 120 UTF-16 units but only 60 characters.
        assertEquals(60, t.tokenIds(dog.repeat(60)).length);
    }

    @Test
    void truncationKeepsClsAndSepAndPaddingMasks() throws IOException {
        BertTokenizer t = BertTokenizer.load(vocab(TOKENS));
        Encoding e = t.encode("hello a hello a", 4);
        assertArrayEquals(new int[]{2, 12, 13, 3}, e.ids());
        assertArrayEquals(new int[]{1, 1, 1, 1}, e.attentionMask());
        Encoding p = t.encode("a", 5);
        assertArrayEquals(new int[]{2, 13, 3, 0, 0}, p.ids());
        assertArrayEquals(new int[]{1, 1, 1, 0, 0}, p.attentionMask());
        assertThrows(IllegalArgumentException.class, () -> t.encode("a", 1));
    }

    @Test
    void batchPadsToLongestOrToMaxLength() throws IOException {
        BertTokenizer t = BertTokenizer.load(vocab(TOKENS));
        EncodedBatch longest = t.encodeBatch(List.of("a", "hello a hello"), 10, BertTokenizer.Padding.LONGEST);
        assertEquals(5, longest.length());
        assertArrayEquals(new int[]{2, 13, 3, 0, 0}, longest.ids()[0]);
        assertArrayEquals(new int[]{1, 1, 1, 1, 1}, longest.attentionMask()[1]);
        EncodedBatch max = t.encodeBatch(List.of("a"), 6, BertTokenizer.Padding.MAX_LENGTH);
        assertEquals(6, max.ids()[0].length);
    }

    @Test
    void lavisCleaningRules() {
        assertEquals("a dog s ball", LavisCaption.clean("A dog:s  (ball)!\n"));
        assertEquals("one two", LavisCaption.clean("one two three", 2));
        assertEquals("tab\tkept", LavisCaption.clean("tab\tkept"), "a single tab is not a run");
    }

    @Test
    void tokenizerJsonGivesTheSameIdsAsVocabTxt() throws IOException {
        StringBuilder vocabJson = new StringBuilder();
        for (int i = 0; i < 9; i++) {
            vocabJson.append(i == 0 ? "" : ",").append('"').append(TOKENS.get(i)).append("\":").append(i);
        }
        String json = """
                {"version":"1.0","truncation":null,"padding":null,
                 "added_tokens":[{"id":0,"content":"[PAD]","special":true},{"id":4,"content":"[MASK]","special":true},
                                 {"id":30522,"content":"[DEC]","special":true}],
                 "normalizer":{"type":"BertNormalizer","clean_text":true,"handle_chinese_chars":true,
                               "strip_accents":null,"lowercase":true},
                 "pre_tokenizer":{"type":"BertPreTokenizer"},
                 "post_processor":{"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"[CLS]","type_id":0}},
                     {"Sequence":{"id":"A","type_id":0}},{"SpecialToken":{"id":"[SEP]","type_id":0}}]},
                 "model":{"type":"WordPiece","unk_token":"[UNK]","continuing_subword_prefix":"##",
                          "max_input_chars_per_word":100,"vocab":{%s}}}
                """.formatted(vocabJson);
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, json);
        BertTokenizer fromJson = BertTokenizer.load(dir);
        assertTrue(fromJson.settings().lowercase());
        assertTrue(fromJson.settings().stripAccents());
        assertArrayEquals(new int[]{2, 5, 6, 7, 8, 4, 30522, 3}, fromJson.encode("UnAffable café[MASK][DEC]").ids());
    }

    @Test
    void tokenizerJsonWithoutLowercaseKeepsCase() throws IOException {
        Path file = dir.resolve("cased.json");
        Files.writeString(file, """
                {"normalizer":{"type":"BertNormalizer","lowercase":false},
                 "model":{"type":"WordPiece","vocab":{"[UNK]":0,"[CLS]":1,"[SEP]":2,"Hi":3,"hi":4}}}""");
        BertTokenizer t = BertTokenizer.load(file);
        assertArrayEquals(new int[]{3, 4}, t.tokenIds("Hi hi"));
        assertEquals(-1, t.padId());
        assertThrows(IllegalStateException.class, () -> t.encode("Hi", 8), "no [PAD] to pad with");
    }

    @Test
    void malformedInputsNameTheFileAndTheProblem() throws IOException {
        Path missing = dir.resolve("nope.txt");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BertTokenizer.load(missing));
        assertTrue(e.getMessage().contains("nope.txt"), e.getMessage());

        Path noCls = vocab(List.of("[PAD]", "[UNK]", "[SEP]", "a"));
        e = assertThrows(IllegalArgumentException.class, () -> BertTokenizer.load(noCls));
        assertTrue(e.getMessage().contains("[CLS]"), e.getMessage());

        Path bpe = dir.resolve("bpe.json");
        Files.writeString(bpe, "{\"model\":{\"type\":\"BPE\",\"vocab\":{}}}");
        e = assertThrows(IllegalArgumentException.class, () -> BertTokenizer.load(bpe));
        assertTrue(e.getMessage().contains("bpe.json") && e.getMessage().contains("BPE"), e.getMessage());

        Path badId = dir.resolve("badid.json");
        Files.writeString(badId, "{\"model\":{\"type\":\"WordPiece\",\"vocab\":{\"[UNK]\":\"zero\"}}}");
        e = assertThrows(IllegalArgumentException.class, () -> BertTokenizer.load(badId));
        assertTrue(e.getMessage().contains("badid.json") && e.getMessage().contains("model.vocab[\"[UNK]\"]"),
                e.getMessage());

        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\"model\": ");
        e = assertThrows(IllegalArgumentException.class, () -> BertTokenizer.load(broken));
        assertTrue(e.getMessage().contains("broken.json"), e.getMessage());
    }

    /** Issue 22 item 7: a binary file given as the vocabulary is named with the place, not "Input length = 1". */
    @Test
    void binaryVocabularyNamesFileAndByte() throws IOException {
        Path binary = dir.resolve("vocab.txt");
        Files.write(binary, new byte[] {'[', 'P', 'A', 'D', ']', '\n', (byte) 0xc3, (byte) 0x28});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BertTokenizer.load(binary));
        assertTrue(e.getMessage().startsWith(binary + ": not UTF-8 text (byte 6 of 8"), e.getMessage());
        assertFalse(e.getMessage().contains("Input length"), e.getMessage());
    }
}
