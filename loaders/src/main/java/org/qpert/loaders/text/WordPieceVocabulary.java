package org.qpert.loaders.text;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Token strings and their ids. Ids need not be dense (a {@code tokenizer.json} may skip some). */
public final class WordPieceVocabulary {

    private final Map<String, Integer> ids;

    WordPieceVocabulary(Map<String, Integer> ids) {
        this.ids = Map.copyOf(ids);
    }

    /** One token per line, the id is the line number (as HF {@code load_vocab}: a later duplicate wins). */
    public static WordPieceVocabulary readVocabTxt(Path file) {
        List<String> lines;
        try {
            // Python's text mode turns \r\n and \r into \n before HF strips it: String.lines splits the same way.
            lines = org.qpert.loaders.TextFiles.readUtf8(file).lines().toList();
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("vocabulary file not found: " + file, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read vocabulary " + file + ": " + e.getMessage(), e);
        }
        Map<String, Integer> ids = new HashMap<>(lines.size() * 2);
        for (int i = 0; i < lines.size(); i++) {
            ids.put(lines.get(i), i);
        }
        if (ids.isEmpty()) {
            throw new IllegalArgumentException("vocabulary file is empty: " + file);
        }
        return new WordPieceVocabulary(ids);
    }

    /** This vocabulary plus {@code token} at the next free id (HF {@code add_special_tokens}); unchanged if present. */
    public WordPieceVocabulary withToken(String token) {
        if (ids.containsKey(token)) {
            return this;
        }
        Map<String, Integer> extended = new HashMap<>(ids);
        extended.put(token, ids.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1);
        return new WordPieceVocabulary(extended);
    }

    /** The id of {@code token}, or -1 when it is not in the vocabulary. */
    public int id(String token) {
        Integer id = ids.get(token);
        return id == null ? -1 : id;
    }

    public boolean contains(String token) {
        return ids.containsKey(token);
    }

    public int size() {
        return ids.size();
    }

    /**
     * True when no ordinary token has an ASCII upper-case letter: the sign of an uncased vocabulary
     * (bert-base-uncased), which HF pairs with lowercasing and accent stripping. Bracketed special tokens
     * ({@code [CLS]}) do not count, nor do symbols such as U+211D (ℝ, category Lu) that uncased vocabularies keep.
     */
    public boolean looksUncased() {
        for (String token : ids.keySet()) {
            if (token.startsWith("[") && token.endsWith("]")) {
                continue;
            }
            if (token.chars().anyMatch(c -> c >= 'A' && c <= 'Z')) {
                return false;
            }
        }
        return true;
    }
}
