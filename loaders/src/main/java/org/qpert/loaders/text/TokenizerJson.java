package org.qpert.loaders.text;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the parts of an HF {@code tokenizer.json} that define a BERT WordPiece tokenizer: {@code model} (type
 * WordPiece: vocab, unk_token, continuing_subword_prefix, max_input_chars_per_word), {@code normalizer}
 * (BertNormalizer or a Sequence of Lowercase / StripAccents / NFD / NFC), {@code added_tokens} (matched verbatim,
 * given ids even when the model's vocab lacks them) and the [CLS]/[SEP] of the post-processor. Text then goes
 * through the same steps as with a {@code vocab.txt}, so both sources give the same ids.
 */
final class TokenizerJson {

    private TokenizerJson() {
    }

    static BertTokenizer read(Path file) {
        JsonObject root;
        try {
            JsonElement parsed = org.qpert.loaders.TextFiles.readJson(file);
            if (!parsed.isJsonObject()) {
                throw new IllegalArgumentException(file + ": not a tokenizer.json (top level is not an object)");
            }
            root = parsed.getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        try {
            return build(root);
        } catch (IllegalArgumentException | IllegalStateException | ClassCastException
                 | UnsupportedOperationException e) {
            // Wrong JSON types surface from Gson's getAs* as these; give them the file's name.
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    private static BertTokenizer build(JsonObject root) {
        JsonObject model = object(root, "model");
        String type = string(model, "type", "WordPiece");
        if (!type.equals("WordPiece")) {
            throw new IllegalArgumentException("model type " + type + " is not WordPiece");
        }
        Map<String, Integer> ids = new HashMap<>();
        for (Map.Entry<String, JsonElement> e : object(model, "vocab").entrySet()) {
            ids.put(e.getKey(), tokenId(e.getValue(), "model.vocab[\"" + e.getKey() + "\"]"));
        }
        List<String> literals = new ArrayList<>();
        JsonElement added = root.get("added_tokens");
        if (added != null && added.isJsonArray()) {
            JsonArray list = added.getAsJsonArray();
            for (int i = 0; i < list.size(); i++) {
                String where = "added_tokens[" + i + "]";
                if (!list.get(i).isJsonObject()) {
                    throw new IllegalArgumentException(where + " is not an object");
                }
                JsonObject token = list.get(i).getAsJsonObject();
                JsonElement content = token.get("content");
                if (content == null || !content.isJsonPrimitive() || !content.getAsJsonPrimitive().isString()) {
                    throw new IllegalArgumentException(where + ".content must be a string");
                }
                ids.putIfAbsent(content.getAsString(), tokenId(token.get("id"), where + ".id"));
                literals.add(content.getAsString());
            }
        }
        boolean[] lowercaseAndStrip = normalization(root.get("normalizer"));
        String unk = string(model, "unk_token", "[UNK]");
        String[] clsSep = clsAndSep(root.get("post_processor"));
        TokenizerSettings settings = new TokenizerSettings(lowercaseAndStrip[0], lowercaseAndStrip[1],
                lowercaseAndStrip[2], unk, clsSep[0], clsSep[1], padToken(root.get("padding")),
                string(model, "continuing_subword_prefix", "##"),
                model.has("max_input_chars_per_word") ? model.get("max_input_chars_per_word").getAsInt() : 100,
                literals);
        return new BertTokenizer(new WordPieceVocabulary(ids), settings);
    }

    private static int tokenId(JsonElement e, String where) {
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw new IllegalArgumentException(where + " must be a token id (a number)");
        }
        double v = e.getAsDouble();
        if (v != Math.rint(v) || v < 0 || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(where + " must be a non-negative integer, got " + e);
        }
        return (int) v;
    }

    /** {lowercase, strip accents, split CJK} from the normalizer; none at all means none of them. */
    private static boolean[] normalization(JsonElement normalizer) {
        boolean[] flags = new boolean[3];
        if (normalizer == null || normalizer.isJsonNull()) {
            return flags;
        }
        JsonObject n = normalizer.getAsJsonObject();
        String type = string(n, "type", "");
        switch (type) {
            case "BertNormalizer" -> {
                flags[0] = !n.has("lowercase") || n.get("lowercase").getAsBoolean();
                JsonElement strip = n.get("strip_accents");
                // null means "follow lowercase", as in HF.
                flags[1] = strip == null || strip.isJsonNull() ? flags[0] : strip.getAsBoolean();
                flags[2] = !n.has("handle_chinese_chars") || n.get("handle_chinese_chars").getAsBoolean();
            }
            case "Sequence" -> {
                for (JsonElement step : n.getAsJsonArray("normalizers")) {
                    boolean[] inner = normalization(step);
                    for (int i = 0; i < flags.length; i++) {
                        flags[i] |= inner[i];
                    }
                }
            }
            case "Lowercase" -> flags[0] = true;
            case "StripAccents" -> flags[1] = true;
            case "NFD", "NFC" -> {
                // NFC is always applied and accent stripping decomposes by itself: nothing to record.
            }
            default -> throw new IllegalArgumentException("unsupported normalizer " + type);
        }
        return flags;
    }

    /** [CLS] and [SEP] of a BertProcessing or TemplateProcessing post-processor; defaults when absent. */
    private static String[] clsAndSep(JsonElement postProcessor) {
        String[] clsSep = {"[CLS]", "[SEP]"};
        if (postProcessor == null || postProcessor.isJsonNull()) {
            return clsSep;
        }
        JsonObject p = postProcessor.getAsJsonObject();
        if (p.has("cls") && p.has("sep")) {
            clsSep[0] = p.getAsJsonArray("cls").get(0).getAsString();
            clsSep[1] = p.getAsJsonArray("sep").get(0).getAsString();
        } else if (p.has("single") && p.get("single").isJsonArray()) {
            JsonArray single = p.getAsJsonArray("single");
            if (single.size() == 3) {
                clsSep[0] = specialTokenId(single.get(0), clsSep[0]);
                clsSep[1] = specialTokenId(single.get(2), clsSep[1]);
            }
        }
        return clsSep;
    }

    private static String specialTokenId(JsonElement piece, String fallback) {
        JsonObject o = piece.getAsJsonObject();
        return o.has("SpecialToken") ? o.getAsJsonObject("SpecialToken").get("id").getAsString() : fallback;
    }

    private static String padToken(JsonElement padding) {
        if (padding != null && padding.isJsonObject() && padding.getAsJsonObject().has("pad_token")) {
            return padding.getAsJsonObject().get("pad_token").getAsString();
        }
        return "[PAD]";
    }

    private static JsonObject object(JsonObject parent, String key) {
        JsonElement e = parent.get(key);
        if (e == null || !e.isJsonObject()) {
            throw new IllegalArgumentException("missing object \"" + key + "\"");
        }
        return e.getAsJsonObject();
    }

    private static String string(JsonObject parent, String key, String fallback) {
        JsonElement e = parent.get(key);
        return e == null || e.isJsonNull() ? fallback : e.getAsString();
    }
}
