package org.qpert.loaders.text;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * CLIP's byte-level BPE model: a word's UTF-8 bytes become GPT-2's printable stand-ins ({@code bytes_to_unicode}),
 * the last symbol carries the end-of-word suffix {@code </w>}, and the adjacent pair of lowest merge rank is merged
 * (every occurrence, left to right) until no pair has a rank, as HF's {@code CLIPTokenizer.bpe} does. Symbols are
 * then looked up in the vocabulary; one that is missing becomes the unknown token.
 */
final class BytePairEncoding {

    static final String END_OF_WORD = "</w>";

    /** GPT-2's {@code bytes_to_unicode}: printable Latin-1 bytes stand for themselves, the rest map to 256 + n. */
    private static final char[] BYTE_TO_CHAR = byteToChar();

    private final Map<String, Integer> vocabulary;
    private final Map<String, Integer> ranks;
    private final int unkId;

    /**
     * @param merges pairs in rank order (first = merged first); each merged symbol must be in the vocabulary
     * @param unkId  id for symbols missing from the vocabulary, or -1 to refuse them
     */
    BytePairEncoding(Map<String, Integer> vocabulary, List<String[]> merges, int unkId) {
        this.vocabulary = Map.copyOf(vocabulary);
        this.unkId = unkId;
        Map<String, Integer> r = new HashMap<>();
        for (int i = 0; i < merges.size(); i++) {
            String[] pair = merges.get(i);
            if (!vocabulary.containsKey(pair[0] + pair[1])) {
                throw new IllegalArgumentException("merge " + (i + 1) + " (\"" + pair[0] + "\" \"" + pair[1]
                        + "\") makes \"" + pair[0] + pair[1] + "\", which is not in the vocabulary");
            }
            r.putIfAbsent(key(pair[0], pair[1]), i);
        }
        this.ranks = Map.copyOf(r);
    }

    /** A pair's lookup key; a space never occurs inside a symbol (byte 0x20 is mapped to 'Ġ'). */
    private static String key(String left, String right) {
        return left + ' ' + right;
    }

    /** Appends the ids of one pre-tokenized word. */
    void appendIds(String word, WordPiece.IdList out) {
        for (String symbol : merge(symbols(word))) {
            Integer id = vocabulary.get(symbol);
            if (id == null) {
                if (unkId < 0) {
                    throw new IllegalArgumentException("symbol \"" + symbol + "\" of \"" + word
                            + "\" is not in the vocabulary and it has no unknown token");
                }
                id = unkId;
            }
            out.add(id);
        }
    }

    /** The word's bytes as stand-in characters, the last one with {@code </w>}. */
    static List<String> symbols(String word) {
        byte[] bytes = word.getBytes(StandardCharsets.UTF_8);
        List<String> symbols = new ArrayList<>(bytes.length);
        for (byte b : bytes) {
            symbols.add(String.valueOf(BYTE_TO_CHAR[b & 0xFF]));
        }
        int last = symbols.size() - 1;
        symbols.set(last, symbols.get(last) + END_OF_WORD);
        return symbols;
    }

    private List<String> merge(List<String> word) {
        while (word.size() > 1) {
            int best = Integer.MAX_VALUE;
            String left = null;
            String right = null;
            for (int i = 0; i + 1 < word.size(); i++) {
                Integer rank = ranks.get(key(word.get(i), word.get(i + 1)));
                if (rank != null && rank < best) {
                    best = rank;
                    left = word.get(i);
                    right = word.get(i + 1);
                }
            }
            if (left == null) {
                break;
            }
            List<String> merged = new ArrayList<>(word.size());
            for (int i = 0; i < word.size(); i++) {
                if (i + 1 < word.size() && word.get(i).equals(left) && word.get(i + 1).equals(right)) {
                    merged.add(left + right);
                    i++;
                } else {
                    merged.add(word.get(i));
                }
            }
            word = merged;
        }
        return word;
    }

    /**
     * The 256 byte symbols in the order of GPT-2's {@code bytes_to_unicode} dict, the order CLIP's vocabulary lists
     * them in: the printable bytes ascending, then the others ascending.
     */
    static char[] bytesToUnicodeOrder() {
        char[] out = new char[256];
        int n = 0;
        for (int pass = 0; pass < 2; pass++) {
            for (int b = 0; b < 256; b++) {
                boolean printable = BYTE_TO_CHAR[b] == b;
                if (printable == (pass == 0)) {
                    out[n++] = BYTE_TO_CHAR[b];
                }
            }
        }
        return out;
    }

    private static char[] byteToChar() {
        char[] map = new char[256];
        boolean[] printable = new boolean[256];
        for (int b = '!'; b <= '~'; b++) {
            printable[b] = true;
        }
        for (int b = 0xA1; b <= 0xAC; b++) {
            printable[b] = true;
        }
        for (int b = 0xAE; b <= 0xFF; b++) {
            printable[b] = true;
        }
        int n = 0;
        for (int b = 0; b < 256; b++) {
            map[b] = printable[b] ? (char) b : (char) (256 + n++);
        }
        return map;
    }
}
