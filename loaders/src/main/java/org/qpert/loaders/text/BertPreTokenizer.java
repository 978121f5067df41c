package org.qpert.loaders.text;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The "basic" half of BERT tokenization (HF {@code BasicTokenizer}): cleans the text, isolates CJK ideographs,
 * NFC-normalizes, splits on whitespace, lowercases and strips accents when asked, then splits out punctuation.
 * The result is the list of words that WordPiece then cuts into sub-words.
 */
final class BertPreTokenizer {

    private final boolean lowercase;
    private final boolean stripAccents;
    private final boolean splitCjk;

    BertPreTokenizer(boolean lowercase, boolean stripAccents, boolean splitCjk) {
        this.lowercase = lowercase;
        this.stripAccents = stripAccents;
        this.splitCjk = splitCjk;
    }

    List<String> words(String text) {
        String cleaned = Normalizer.normalize(clean(text), Normalizer.Form.NFC);
        List<String> words = new ArrayList<>();
        for (String token : splitOnWhitespace(cleaned)) {
            if (lowercase) {
                token = token.toLowerCase(Locale.ROOT);
            }
            if (stripAccents) {
                token = removeAccents(token);
            }
            splitOnPunctuation(token, words);
        }
        // Lowercasing or accent stripping can leave empty pieces (a word that was only combining marks).
        words.removeIf(String::isEmpty);
        return words;
    }

    /** Drops NUL, U+FFFD and control characters, maps every whitespace to a space, pads CJK ideographs. */
    private String clean(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        text.codePoints().forEach(cp -> {
            if (cp == 0 || cp == 0xFFFD || UnicodeClasses.isBertControl(cp)) {
                return;
            }
            if (UnicodeClasses.isBertWhitespace(cp)) {
                out.append(' ');
            } else if (splitCjk && UnicodeClasses.isCjkIdeograph(cp)) {
                out.append(' ').appendCodePoint(cp).append(' ');
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.toString();
    }

    /** Python {@code str.split()}: runs of Unicode whitespace separate words, no empty words. */
    static List<String> splitOnWhitespace(String text) {
        List<String> words = new ArrayList<>();
        int start = -1;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            if (UnicodeClasses.isPythonSpace(cp)) {
                if (start >= 0) {
                    words.add(text.substring(start, i));
                    start = -1;
                }
            } else if (start < 0) {
                start = i;
            }
            i += Character.charCount(cp);
        }
        if (start >= 0) {
            words.add(text.substring(start));
        }
        return words;
    }

    private static String removeAccents(String token) {
        String decomposed = Normalizer.normalize(token, Normalizer.Form.NFD);
        StringBuilder out = new StringBuilder(decomposed.length());
        decomposed.codePoints().filter(cp -> !UnicodeClasses.isNonSpacingMark(cp)).forEach(out::appendCodePoint);
        return out.toString();
    }

    /** Each punctuation character becomes a word of its own; whitespace cannot occur inside a token here. */
    private static void splitOnPunctuation(String token, List<String> out) {
        int start = 0;
        for (int i = 0; i < token.length(); ) {
            int cp = token.codePointAt(i);
            int next = i + Character.charCount(cp);
            if (UnicodeClasses.isBertPunctuation(cp)) {
                if (i > start) {
                    out.add(token.substring(start, i));
                }
                out.add(token.substring(i, next));
                start = next;
            }
            i = next;
        }
        if (start < token.length()) {
            out.add(token.substring(start));
        }
    }
}
