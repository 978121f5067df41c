package org.qpert.loaders.text;

/**
 * Character classes of the reference tokenizer (HF {@code tokenization_bert.py}) and of Python's {@code str.isspace},
 * expressed with Java's Unicode tables. All methods take code points, never UTF-16 units.
 */
final class UnicodeClasses {

    private UnicodeClasses() {
    }

    /** Python {@code str.isspace()}: category Zs, or bidirectional class WS, B or S. */
    static boolean isPythonSpace(int cp) {
        if (cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F) || cp == 0x85) {
            return true;
        }
        int type = Character.getType(cp);
        return type == Character.SPACE_SEPARATOR || type == Character.LINE_SEPARATOR
                || type == Character.PARAGRAPH_SEPARATOR;
    }

    /** BERT {@code _is_whitespace}: the four ASCII blanks and category Zs. */
    static boolean isBertWhitespace(int cp) {
        return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r'
                || Character.getType(cp) == Character.SPACE_SEPARATOR;
    }

    /** BERT {@code _is_control}: any category C* except tab, newline and carriage return. */
    static boolean isBertControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') {
            return false;
        }
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.UNASSIGNED, Character.PRIVATE_USE,
                    Character.SURROGATE -> true;
            default -> false;
        };
    }

    /** BERT {@code _is_punctuation}: every non-alphanumeric printable ASCII character, and category P*. */
    static boolean isBertPunctuation(int cp) {
        if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                    Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
                    Character.FINAL_QUOTE_PUNCTUATION, Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
    }

    /** BERT {@code _is_chinese_char}: the CJK Unified Ideograph blocks (not Hiragana, Katakana or Hangul). */
    static boolean isCjkIdeograph(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF)
                || (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F)
                || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }

    /** Category Mn (non-spacing mark): what BERT's accent stripping removes after NFD. */
    static boolean isNonSpacingMark(int cp) {
        return Character.getType(cp) == Character.NON_SPACING_MARK;
    }
}
