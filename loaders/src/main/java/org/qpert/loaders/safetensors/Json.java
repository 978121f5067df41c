package org.qpert.loaders.safetensors;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.IOException;
import java.io.StringReader;

/**
 * Strict streaming JSON helpers. Streaming (rather than Gson's tree model) because the tree model silently keeps the
 * last of two duplicate keys, and a duplicated tensor name must be an error.
 */
final class Json {
    private Json() {
    }

    static JsonReader strictReader(String text) {
        JsonReader r = new JsonReader(new StringReader(text));
        r.setStrictness(Strictness.STRICT);
        return r;
    }

    /** Fails unless the next token is {@code expected}; {@code what} names the value for the message. */
    static void expect(JsonReader r, JsonToken expected, String what) throws IOException {
        JsonToken t = r.peek();
        if (t != expected) {
            throw new BadValue(what + " must be " + article(expected) + ", found " + article(t));
        }
    }

    /** A JSON integer that fits a non-negative long; decimals, exponents and signs are refused. */
    static long nonNegativeLong(JsonReader r, String what) throws IOException {
        expect(r, JsonToken.NUMBER, what);
        String s = r.nextString();
        if (s.startsWith("-")) {
            throw new BadValue(what + " must not be negative, found " + s);
        }
        if (!s.chars().allMatch(Character::isDigit)) {
            throw new BadValue(what + " must be an integer, found " + s);
        }
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new BadValue(what + " is out of range: " + s);
        }
    }

    /** After the top-level value: nothing but whitespace may follow. */
    static void expectEnd(JsonReader r) throws IOException {
        if (r.peek() != JsonToken.END_DOCUMENT) {
            throw new BadValue("unexpected content after the top-level JSON object");
        }
    }

    private static String article(JsonToken t) {
        return switch (t) {
            case BEGIN_OBJECT -> "an object";
            case BEGIN_ARRAY -> "an array";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            case NAME -> "a name";
            default -> t.toString().toLowerCase(java.util.Locale.ROOT);
        };
    }

    /** A structurally valid JSON value of the wrong kind; the caller adds file and tensor to the message. */
    static final class BadValue extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BadValue(String message) {
            super(message, null, false, false);
        }
    }
}
