package org.qpert.loaders.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Exact ids against HF BertTokenizer and LAVIS pre_caption on every case of tokenizer_cases.json. */
class TokenizerFixtureTest {

    static final Path INPUTS = Path.of("../testdata/parity/inputs");
    static final int LAVIS_MAX_LENGTH = 35;

    static BertTokenizer tokenizer;
    static List<JsonObject> cases;

    @BeforeAll
    static void load() throws IOException {
        tokenizer = BertTokenizer.load(INPUTS.resolve("vocab.txt"));
        JsonObject root = JsonParser.parseString(
                Files.readString(INPUTS.resolve("tokenizer_cases.json"), StandardCharsets.UTF_8)).getAsJsonObject();
        cases = new ArrayList<>();
        for (JsonElement e : root.getAsJsonArray("cases")) {
            cases.add(e.getAsJsonObject());
        }
    }

    static int[] ints(JsonObject c, String key) {
        return new Gson().fromJson(c.get(key), int[].class);
    }

    @Test
    void vocabularyIsDetectedAsUncased() {
        assertTrue(tokenizer.settings().lowercase());
        assertEquals(30522, tokenizer.vocabulary().size());
        assertEquals(101, tokenizer.clsId());
        assertEquals(102, tokenizer.sepId());
        assertEquals(0, tokenizer.padId());
    }

    @Test
    void blip2DecoderTokenGetsTheNextId() {
        BertTokenizer blip2 = tokenizer.withAddedSpecialToken("[DEC]");
        assertArrayEquals(new int[]{101, 30522, 1037, 102}, blip2.encode("[DEC] a").ids());
        assertArrayEquals(new int[]{101, 1031, 11703, 1033, 102}, tokenizer.encode("[DEC]").ids(),
                "without it, '[', 'dec', ']'");
    }

    @Test
    void rawIdsMatchEveryCase() {
        assertTrue(cases.size() >= 20, "fixture has its cases");
        for (JsonObject c : cases) {
            String text = c.get("text").getAsString();
            Encoding e = tokenizer.encode(text);
            assertArrayEquals(ints(c, "ids"), e.ids(), () -> "ids of " + text);
            assertTrue(java.util.Arrays.stream(e.attentionMask()).allMatch(m -> m == 1));
        }
    }

    @Test
    void lavisCleaningMatchesEveryCase() {
        for (JsonObject c : cases) {
            String text = c.get("text").getAsString();
            assertEquals(c.get("pre_caption").getAsString(), LavisCaption.clean(text), () -> "pre_caption of " + text);
        }
    }

    @Test
    void lavisIdsAndMaskMatchEveryCase() {
        BertTokenizer lavis = tokenizer.withLavisCleaning(true);
        for (JsonObject c : cases) {
            String text = c.get("text").getAsString();
            Encoding e = lavis.encode(text, LAVIS_MAX_LENGTH);
            assertArrayEquals(ints(c, "lavis_ids"), e.ids(), () -> "lavis ids of " + text);
            assertArrayEquals(ints(c, "lavis_mask"), e.attentionMask(), () -> "lavis mask of " + text);
        }
    }

    @Test
    void batchEncodingEqualsOneByOne() {
        BertTokenizer lavis = tokenizer.withLavisCleaning(true);
        List<String> texts = new ArrayList<>();
        for (JsonObject c : cases) {
            texts.add(c.get("text").getAsString());
        }
        EncodedBatch batch = lavis.encodeBatch(texts, LAVIS_MAX_LENGTH, BertTokenizer.Padding.MAX_LENGTH);
        assertEquals(texts.size(), batch.size());
        for (int b = 0; b < texts.size(); b++) {
            assertArrayEquals(ints(cases.get(b), "lavis_ids"), batch.ids()[b]);
            assertArrayEquals(ints(cases.get(b), "lavis_mask"), batch.attentionMask()[b]);
        }
        int[] flat = batch.flatIds();
        assertEquals(texts.size() * LAVIS_MAX_LENGTH, flat.length);
        assertEquals(batch.ids()[1][3], flat[LAVIS_MAX_LENGTH + 3]);
    }
}
