package org.qpert.loaders.text;

import java.util.List;
import java.util.Locale;

/**
 * LAVIS {@code pre_caption}: lowercase; each of {@code . ! " ( ) * # : ; ~} becomes a space; runs of two or more
 * whitespace characters become one space; trailing newlines and surrounding spaces go; at most {@code maxWords}
 * space-separated words are kept. A single tab or newline inside the text survives, as in LAVIS.
 */
public final class LavisCaption {

    /** LAVIS's default word limit for retrieval captions. */
    public static final int DEFAULT_MAX_WORDS = 50;

    private LavisCaption() {
    }

    public static String clean(String caption) {
        return clean(caption, DEFAULT_MAX_WORDS);
    }

    public static String clean(String caption, int maxWords) {
        if (maxWords < 1) {
            throw new IllegalArgumentException("maxWords must be at least 1, got " + maxWords);
        }
        String text = collapseWhitespaceRuns(blankOutMarks(caption.toLowerCase(Locale.ROOT)));
        int end = text.length();
        while (end > 0 && text.charAt(end - 1) == '\n') {
            end--;
        }
        int start = 0;
        while (start < end && text.charAt(start) == ' ') {
            start++;
        }
        while (end > start && text.charAt(end - 1) == ' ') {
            end--;
        }
        return firstWords(text.substring(start, end), maxWords);
    }

    private static String blankOutMarks(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            out.append(".!\"()*#:;~".indexOf(c) >= 0 ? ' ' : c);
        }
        return out.toString();
    }

    /** Python {@code re.sub(r"\s{2,}", " ", text)} with Python's Unicode notion of whitespace. */
    private static String collapseWhitespaceRuns(String text) {
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        while (i < text.length()) {
            int cp = text.codePointAt(i);
            if (!UnicodeClasses.isPythonSpace(cp)) {
                out.appendCodePoint(cp);
                i += Character.charCount(cp);
                continue;
            }
            int runStart = i;
            int runLength = 0;
            while (i < text.length() && UnicodeClasses.isPythonSpace(text.codePointAt(i))) {
                i += Character.charCount(text.codePointAt(i));
                runLength++;
            }
            if (runLength >= 2) {
                out.append(' ');
            } else {
                out.append(text, runStart, i);
            }
        }
        return out.toString();
    }

    /** Python {@code " ".join(text.split(" ")[:maxWords])}: empty words between single spaces count too. */
    private static String firstWords(String text, int maxWords) {
        List<String> words = List.of(text.split(" ", -1));
        return words.size() <= maxWords ? text : String.join(" ", words.subList(0, maxWords));
    }
}
