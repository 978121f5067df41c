package org.qpert.loaders.text;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CLIP's tokenizer as OWLv2 queries use it (HF {@code CLIPTokenizerFast}, whose steps the slow tokenizer shares
 * without ftfy): NFC, runs of whitespace collapsed to one space, lower case; CLIP's pre-tokenizer regex (contractions,
 * letter runs, single digits, runs of other non-space characters; spaces dropped); byte-level BPE with {@code </w>}
 * word ends ({@link BytePairEncoding}); then {@code <|startoftext|> ids <|endoftext|>}, padded with id 0 (OWL-ViT's
 * pad token "!" has id 0). Queries longer than the maximum length are refused, not cut: a cut query would silently
 * detect something else. Reads {@code vocab.json} + {@code merges.txt} or a BPE {@code tokenizer.json}. Immutable and
 * thread-safe.
 */
public final class ClipTokenizer {

    public static final String BOS = "<|startoftext|>";
    public static final String EOS = "<|endoftext|>";
    public static final int PAD_ID = 0;
    /**
     * HF {@code CLIPTokenizer} reads at most this many merges from merges.txt (49152 - 256 - 2): the vocabulary
     * has room for no more.
     */
    static final int MAX_MERGES_TXT = 49152 - 256 - 2;

    /** CLIP's {@code pat}, without the special tokens, which are matched first (see {@link #tokenIds}). */
    private static final Pattern WORDS = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d|\\p{L}+|\\p{N}|[^\\s\\p{L}\\p{N}]+",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern SPECIAL = Pattern.compile(Pattern.quote(BOS) + "|" + Pattern.quote(EOS));
    private static final Pattern WHITESPACE = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);

    private final BytePairEncoding bpe;
    private final int bosId;
    private final int eosId;

    ClipTokenizer(Map<String, Integer> vocabulary, List<String[]> merges) {
        this.bosId = required(vocabulary, BOS);
        this.eosId = required(vocabulary, EOS);
        // CLIP's unknown token is <|endoftext|>; byte-level vocabularies leave nothing unknown in practice.
        this.bpe = new BytePairEncoding(vocabulary, merges, eosId);
    }

    private static int required(Map<String, Integer> vocabulary, String token) {
        Integer id = vocabulary.get(token);
        if (id == null) {
            throw new IllegalArgumentException("vocabulary has no " + token + " token");
        }
        return id;
    }

    /**
     * Reads a tokenizer from a checkpoint folder (tokenizer.json preferred, else vocab.json + merges.txt), a
     * tokenizer.json, or a vocab.json with merges.txt beside it.
     */
    public static ClipTokenizer load(Path path) {
        Path file = path;
        if (Files.isDirectory(path)) {
            file = Files.exists(path.resolve("tokenizer.json")) ? path.resolve("tokenizer.json")
                    : path.resolve("vocab.json");
            if (!Files.exists(file)) {
                throw new IllegalArgumentException(path + ": no tokenizer.json or vocab.json + merges.txt");
            }
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("tokenizer file not found: " + file);
        }
        if (file.getFileName().toString().equals("tokenizer.json")) {
            return fromTokenizerJson(file);
        }
        Path merges = file.resolveSibling("merges.txt");
        if (!Files.isRegularFile(merges)) {
            throw new IllegalArgumentException(file + ": merges.txt not found beside it (" + merges + ")");
        }
        return fromVocabAndMerges(file, merges);
    }

    static ClipTokenizer fromVocabAndMerges(Path vocabJson, Path mergesTxt) {
        JsonElement root = parse(vocabJson);
        if (!root.isJsonObject()) {
            throw new IllegalArgumentException(vocabJson + ": not a vocab.json (top level is not an object)");
        }
        Map<String, Integer> vocabulary = vocabulary(root.getAsJsonObject(), vocabJson.toString());
        List<String[]> merges = new ArrayList<>();
        try {
            List<String> lines = Files.readAllLines(mergesTxt, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size() && merges.size() < MAX_MERGES_TXT; i++) {
                String line = lines.get(i);
                if (line.isBlank() || (i == 0 && line.startsWith("#version"))) {
                    continue;
                }
                merges.add(pair(line, mergesTxt + " line " + (i + 1)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + mergesTxt + ": " + e.getMessage(), e);
        }
        try {
            return new ClipTokenizer(vocabulary, merges);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(vocabJson + " + " + mergesTxt.getFileName() + ": " + e.getMessage(), e);
        }
    }

    static ClipTokenizer fromTokenizerJson(Path file) {
        JsonElement root = parse(file);
        try {
            JsonObject model = root.getAsJsonObject().getAsJsonObject("model");
            if (model == null) {
                throw new IllegalArgumentException("missing object \"model\"");
            }
            String type = model.has("type") ? model.get("type").getAsString() : "BPE";
            if (!type.equals("BPE")) {
                throw new IllegalArgumentException("model type " + type + " is not BPE (not a CLIP tokenizer)");
            }
            JsonElement suffix = model.get("end_of_word_suffix");
            if (suffix == null || suffix.isJsonNull() || !suffix.getAsString().equals(BytePairEncoding.END_OF_WORD)) {
                throw new IllegalArgumentException("end_of_word_suffix is " + suffix + ", CLIP's is \""
                        + BytePairEncoding.END_OF_WORD + "\"");
            }
            JsonObject vocab = model.getAsJsonObject("vocab");
            if (vocab == null) {
                throw new IllegalArgumentException("missing object \"model.vocab\"");
            }
            Map<String, Integer> vocabulary = vocabulary(vocab, "model.vocab");
            JsonElement added = root.getAsJsonObject().get("added_tokens");
            if (added != null && added.isJsonArray()) {
                for (JsonElement token : added.getAsJsonArray()) {
                    JsonObject t = token.getAsJsonObject();
                    vocabulary.putIfAbsent(t.get("content").getAsString(), tokenId(t.get("id"), "added_tokens id"));
                }
            }
            JsonArray list = model.getAsJsonArray("merges");
            if (list == null) {
                throw new IllegalArgumentException("missing array \"model.merges\"");
            }
            List<String[]> merges = new ArrayList<>(list.size());
            for (int i = 0; i < list.size(); i++) {
                JsonElement m = list.get(i);
                String where = "model.merges[" + i + "]";
                if (m.isJsonArray() && m.getAsJsonArray().size() == 2) {
                    // tokenizers >= 0.20 write merges as [left, right] pairs.
                    merges.add(new String[]{m.getAsJsonArray().get(0).getAsString(),
                            m.getAsJsonArray().get(1).getAsString()});
                } else if (m.isJsonPrimitive()) {
                    merges.add(pair(m.getAsString(), where));
                } else {
                    throw new IllegalArgumentException(where + " must be \"left right\" or [left, right], got " + m);
                }
            }
            return new ClipTokenizer(vocabulary, merges);
        } catch (IllegalArgumentException | IllegalStateException | ClassCastException
                 | UnsupportedOperationException | NullPointerException e) {
            // Wrong JSON types surface from Gson's getAs* as these; give them the file's name.
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    private static JsonElement parse(Path file) {
        try {
            return org.qpert.loaders.TextFiles.readJson(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static Map<String, Integer> vocabulary(JsonObject object, String where) {
        Map<String, Integer> ids = new HashMap<>();
        for (Map.Entry<String, JsonElement> e : object.entrySet()) {
            ids.put(e.getKey(), tokenId(e.getValue(), where + "[\"" + e.getKey() + "\"]"));
        }
        return ids;
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

    private static String[] pair(String line, String where) {
        String[] parts = line.strip().split(" ");
        if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw new IllegalArgumentException(where + ": a merge must be two symbols separated by a space, got \""
                    + line + "\"");
        }
        return parts;
    }

    BytePairEncoding bpe() {
        return bpe;
    }

    public int bosId() {
        return bosId;
    }

    public int eosId() {
        return eosId;
    }

    /** NFC, whitespace runs to one space, trimmed, lower case. */
    static String normalize(String text) {
        String nfc = Normalizer.normalize(text, Normalizer.Form.NFC);
        return WHITESPACE.matcher(nfc).replaceAll(" ").strip().toLowerCase(Locale.ROOT);
    }

    /** Token ids of {@code text}, without BOS, EOS or padding. */
    public int[] tokenIds(String text) {
        String normalized = normalize(text);
        WordPiece.IdList out = new WordPiece.IdList();
        Matcher special = SPECIAL.matcher(normalized);
        int from = 0;
        while (special.find()) {
            appendWords(normalized.substring(from, special.start()), out);
            out.add(special.group().equals(BOS) ? bosId : eosId);
            from = special.end();
        }
        appendWords(normalized.substring(from), out);
        return out.toArray();
    }

    private void appendWords(String text, WordPiece.IdList out) {
        Matcher words = WORDS.matcher(text);
        while (words.find()) {
            bpe.appendIds(words.group(), out);
        }
    }

    /**
     * {@code <|startoftext|> ids <|endoftext|>} padded with 0 to {@code maxLength}; the attention mask marks the
     * tokens. A query that does not fit is an error naming it.
     */
    public Encoding encode(String query, int maxLength) {
        if (maxLength < 2) {
            throw new IllegalArgumentException("max length must leave room for " + BOS + " and " + EOS
                    + " (at least 2), got " + maxLength);
        }
        int[] body = tokenIds(query);
        if (body.length + 2 > maxLength) {
            throw new IllegalArgumentException("query \"" + query + "\" is " + (body.length + 2)
                    + " tokens with " + BOS + " and " + EOS + ", more than the model's " + maxLength
                    + "; shorten it");
        }
        int[] ids = new int[maxLength];
        int[] mask = new int[maxLength];
        ids[0] = bosId;
        System.arraycopy(body, 0, ids, 1, body.length);
        ids[body.length + 1] = eosId;
        java.util.Arrays.fill(mask, 0, body.length + 2, 1);
        return new Encoding(ids, mask);
    }

    /** Every query encoded and padded to {@code maxLength}, as OWLv2's processor does ({@code padding="max_length"}). */
    public EncodedBatch encodeAll(List<String> queries, int maxLength) {
        int[][] ids = new int[queries.size()][];
        int[][] mask = new int[queries.size()][];
        for (int i = 0; i < queries.size(); i++) {
            Encoding e = encode(queries.get(i), maxLength);
            ids[i] = e.ids();
            mask[i] = e.attentionMask();
        }
        return new EncodedBatch(ids, mask, maxLength);
    }
}
