package org.qpert.loaders.text;

import java.util.Arrays;

/**
 * Greedy longest-match-first WordPiece (HF {@code WordpieceTokenizer}): a word is cut into the longest vocabulary
 * prefix, then the longest {@code ##}-prefixed continuations; a word that cannot be covered, or that has more than
 * {@code maxCharsPerWord} code points, becomes the unknown token.
 */
final class WordPiece {

    private final WordPieceVocabulary vocabulary;
    private final String continuationPrefix;
    private final int maxCharsPerWord;
    private final int unknownId;

    WordPiece(WordPieceVocabulary vocabulary, String continuationPrefix, int maxCharsPerWord, int unknownId) {
        this.vocabulary = vocabulary;
        this.continuationPrefix = continuationPrefix;
        this.maxCharsPerWord = maxCharsPerWord;
        this.unknownId = unknownId;
    }

    /** Appends the ids of {@code word} to {@code out}. */
    void appendIds(String word, IdList out) {
        int[] cps = word.codePoints().toArray();
        if (cps.length > maxCharsPerWord) {
            out.add(unknownId);
            return;
        }
        int mark = out.size();
        int start = 0;
        while (start < cps.length) {
            int id = -1;
            int end = cps.length;
            for (; end > start; end--) {
                String piece = new String(cps, start, end - start);
                id = vocabulary.id(start > 0 ? continuationPrefix + piece : piece);
                if (id >= 0) {
                    break;
                }
            }
            if (id < 0) {
                out.truncate(mark);
                out.add(unknownId);
                return;
            }
            out.add(id);
            start = end;
        }
    }

    /** A growable int list, so that tokenizing a batch does not box every id. */
    static final class IdList {
        private int[] values = new int[64];
        private int size;

        void add(int v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        int size() {
            return size;
        }

        void truncate(int newSize) {
            size = newSize;
        }

        int get(int i) {
            return values[i];
        }

        int[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }
}
