package org.qpert.loaders.config;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.core.model.VisionConfig;
import org.qpert.core.model.blip2.Blip2Config;
import org.qpert.core.model.blip2.QFormerConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Blip2ConfigReaderTest {
    static final Path FIXTURE = Path.of("../testdata/parity/tiny-blip2");

    @TempDir
    Path dir;

    /** The diff-only fixture config, with HF defaults applied, equals every field of config-full.json. */
    @Test
    void fixtureConfigMatchesFullConfigFieldByField() throws IOException {
        Blip2Config c = Blip2ConfigReader.read(FIXTURE);
        JsonObject full = JsonParser.parseString(Files.readString(FIXTURE.resolve("config-full.json")))
                .getAsJsonObject();
        JsonObject v = full.getAsJsonObject("vision_config");
        VisionConfig vc = c.vision();
        assertEquals(v.get("hidden_size").getAsInt(), vc.hiddenSize());
        assertEquals(v.get("num_hidden_layers").getAsInt(), vc.numHiddenLayers());
        assertEquals(v.get("num_attention_heads").getAsInt(), vc.numAttentionHeads());
        assertEquals(v.get("intermediate_size").getAsInt(), vc.intermediateSize());
        assertEquals(v.get("image_size").getAsInt(), vc.imageSize());
        assertEquals(v.get("patch_size").getAsInt(), vc.patchSize());
        assertEquals(v.get("layer_norm_eps").getAsDouble(), vc.layerNormEps(), 0.0);
        assertEquals(v.get("qkv_bias").getAsBoolean(), vc.qkvBias());
        assertEquals(v.get("hidden_act").getAsString(), vc.hiddenAct());

        JsonObject q = full.getAsJsonObject("qformer_config");
        QFormerConfig qc = c.qformer();
        assertEquals(q.get("vocab_size").getAsInt(), qc.vocabSize());
        assertEquals(q.get("hidden_size").getAsInt(), qc.hiddenSize());
        assertEquals(q.get("num_hidden_layers").getAsInt(), qc.numHiddenLayers());
        assertEquals(q.get("num_attention_heads").getAsInt(), qc.numAttentionHeads());
        assertEquals(q.get("intermediate_size").getAsInt(), qc.intermediateSize());
        assertEquals(q.get("max_position_embeddings").getAsInt(), qc.maxPositionEmbeddings());
        assertEquals(q.get("layer_norm_eps").getAsDouble(), qc.layerNormEps(), 0.0);
        assertEquals(q.get("pad_token_id").getAsInt(), qc.padTokenId());
        assertEquals(q.get("cross_attention_frequency").getAsInt(), qc.crossAttentionFrequency());
        assertEquals(q.get("encoder_hidden_size").getAsInt(), qc.encoderHiddenSize());
        assertEquals(q.get("use_qformer_text_input").getAsBoolean(), qc.useQformerTextInput());
        assertEquals(q.get("hidden_act").getAsString(), qc.hiddenAct());

        assertEquals(full.get("num_query_tokens").getAsInt(), c.numQueryTokens());
        assertEquals(full.get("image_text_hidden_size").getAsInt(), c.imageTextHiddenSize());
        assertTrue(full.get("image_token_index").isJsonNull());
        assertEquals(OptionalInt.empty(), c.imageTokenIndex());

        assertEquals(c, Blip2ConfigReader.read(FIXTURE.resolve("config-full.json")));
        assertEquals(17, c.vision().numTokens());
    }

    private static final String HUB_ITM = """
            {
              "architectures": ["Blip2ForImageTextRetrieval"],
              "model_type": "blip-2",
              "num_query_tokens": 32,
              "image_text_hidden_size": 256,
              "torch_dtype": "float32",
              "qformer_config": {"model_type": "blip_2_qformer", "use_qformer_text_input": true, "vocab_size": 30523},
              "vision_config": {"model_type": "blip_2_vision_model"%s},
              "text_config": {"model_type": "opt"}%s
            }
            """;

    private static Blip2Config parse(String json) {
        return Blip2ConfigReader.parse(json, "test/config.json");
    }

    @Test
    void hubItmConfigGetsTheClassDefaults() {
        Blip2Config c = parse(String.format(HUB_ITM, "", ""));
        VisionConfig v = c.vision();
        assertEquals(1408, v.hiddenSize());
        assertEquals(39, v.numHiddenLayers());
        assertEquals(16, v.numAttentionHeads());
        assertEquals(6144, v.intermediateSize());
        assertEquals(224, v.imageSize());
        assertEquals(14, v.patchSize());
        assertEquals(257, v.numTokens());
        assertEquals(1e-6, v.layerNormEps(), 0.0);
        QFormerConfig q = c.qformer();
        assertEquals(768, q.hiddenSize());
        assertEquals(12, q.numHiddenLayers());
        assertEquals(12, q.numAttentionHeads());
        assertEquals(3072, q.intermediateSize());
        assertEquals(30523, q.vocabSize());
        assertEquals(1e-12, q.layerNormEps(), 0.0);
        assertEquals(1408, q.encoderHiddenSize());
        assertTrue(q.useQformerTextInput());
        assertEquals(32, c.numQueryTokens());
        assertEquals(256, c.imageTextHiddenSize());
        assertEquals(OptionalInt.empty(), c.imageTokenIndex());
    }

    @Test
    void emptyObjectIsAllDefaults() {
        Blip2Config c = parse("{}");
        assertEquals(VisionConfig.defaults(), c.vision());
        assertEquals(QFormerConfig.defaults(), c.qformer());
        assertEquals(32, c.numQueryTokens());
        assertEquals(256, c.imageTextHiddenSize());
        assertFalse(c.qformer().useQformerTextInput());
    }

    @Test
    void image364Gives677Tokens() {
        Blip2Config c = parse(String.format(HUB_ITM, ", \"image_size\": 364", ""));
        assertEquals(364, c.vision().imageSize());
        assertEquals(677, c.vision().numTokens());
    }

    @Test
    void imageTokenIndexIsRead() {
        assertEquals(OptionalInt.of(30523), parse(String.format(HUB_ITM, "", ", \"image_token_index\": 30523"))
                .imageTokenIndex());
    }

    @Test
    void encoderHiddenSizeFollowsTheVisionWidth() {
        Blip2Config c = parse("{\"vision_config\": {\"hidden_size\": 64, \"num_attention_heads\": 4},"
                + " \"qformer_config\": {\"encoder_hidden_size\": 999}}");
        assertEquals(64, c.qformer().encoderHiddenSize());
    }

    @Test
    void oldTextInputKeyIsAccepted() {
        assertTrue(parse("{\"qformer_config\": {\"qformer_text_input\": true}}").qformer().useQformerTextInput());
        assertFalse(parse("{\"qformer_config\": {\"qformer_text_input\": false}}").qformer().useQformerTextInput());
        assertMessage(() -> parse("{\"qformer_config\": {\"qformer_text_input\": true,"
                + " \"use_qformer_text_input\": false}}"), "qformer_config.qformer_text_input", "contradicts");
    }

    @Test
    void readsFromFolderOrFile() throws IOException {
        Files.writeString(dir.resolve("config.json"), String.format(HUB_ITM, "", ""));
        assertEquals(Blip2ConfigReader.read(dir), Blip2ConfigReader.read(dir.resolve("config.json")));
        assertMessage(() -> Blip2ConfigReader.read(dir.resolve("none.json")), "none.json", "no such file");
    }

    @Test
    void malformedJson() {
        assertMessage(() -> parse("{\"num_query_tokens\": 32"), "test/config.json", "not valid JSON");
        assertMessage(() -> parse("[1]"), "test/config.json", "must hold a JSON object");
        assertMessage(() -> parse("{} {}"), "test/config.json", "not valid JSON");
        assertMessage(() -> parse(""), "test/config.json");
    }

    @Test
    void wrongTypesNameFileAndField() {
        assertMessage(() -> parse("{\"num_query_tokens\": \"32\"}"), "test/config.json",
                "'num_query_tokens' must be an integer, found \"32\"");
        assertMessage(() -> parse("{\"num_query_tokens\": 3.5}"), "'num_query_tokens' must be an integer");
        assertMessage(() -> parse("{\"vision_config\": {\"image_size\": 1e20}}"),
                "'vision_config.image_size' must be an integer in the int range");
        assertMessage(() -> parse("{\"vision_config\": []}"), "'vision_config' must be an object");
        assertMessage(() -> parse("{\"qformer_config\": {\"use_qformer_text_input\": \"yes\"}}"),
                "'qformer_config.use_qformer_text_input' must be true or false");
        assertMessage(() -> parse("{\"vision_config\": {\"hidden_act\": 1}}"),
                "'vision_config.hidden_act' must be a string");
        assertMessage(() -> parse("{\"image_token_index\": true}"), "'image_token_index' must be an integer");
        assertMessage(() -> parse("{\"model_type\": \"clip\"}"), "'model_type' is 'clip'");
    }

    @Test
    void badValuesNameFileAndField() {
        assertMessage(() -> parse("{\"vision_config\": {\"image_size\": 300}}"), "test/config.json",
                "vision_config.image_size 300 is not a multiple of patch_size 14");
        assertMessage(() -> parse("{\"num_query_tokens\": 0}"), "test/config.json", "num_query_tokens must be positive");
        assertMessage(() -> parse("{\"qformer_config\": {\"hidden_act\": \"relu\"}}"), "qformer_config.hidden_act");
        assertMessage(() -> parse("{\"qformer_config\": {\"layer_norm_eps\": -1}}"),
                "'qformer_config.layer_norm_eps' must be positive");
        assertMessage(() -> parse("{\"qformer_config\": {\"num_attention_heads\": 5}}"),
                "qformer_config.hidden_size 768 is not divisible by num_attention_heads 5");
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable call, String... parts) {
        ConfigException e = assertThrows(ConfigException.class, call);
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' missing from: " + e.getMessage());
        }
    }
}
