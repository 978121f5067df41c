package org.qpert.loaders;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reading UTF-8 text and JSON files with errors that name the file, the place and the problem (the JDK's decoding
 * error says only "Input length = 1", Gson's name its own exception classes).
 */
public final class TextFiles {
    private TextFiles() {
    }

    public static String readUtf8(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (!result.isError()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            throw new IllegalArgumentException(file + ": not UTF-8 text (byte " + in.position() + " of " + bytes.length
                    + " is no UTF-8 character; a binary file where a text file was expected?)");
        }
        return out.flip().toString();
    }

    /** The JSON in a UTF-8 file; malformed JSON is refused naming the file, line and column. */
    public static JsonElement readJson(Path file) throws IOException {
        String text = readUtf8(file);
        try {
            return JsonParser.parseString(text);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException(file + ": invalid JSON: " + problem(e), e);
        }
    }

    /**
     * Gson's reason in words: its message without the class name of the exception it wraps
     * ({@code java.io.EOFException: End of input at line 1 column 9 path $.a}) and the troubleshooting link it adds.
     */
    static String problem(JsonParseException e) {
        String m = String.valueOf(e.getMessage()).lines().findFirst().orElse("")
                .replaceFirst("^([a-z]\\w*\\.)+[A-Z]\\w*(Exception|Error): ", "");
        return m.startsWith("End of input") ? "the text ends early (truncated?)" + m.substring("End of input".length())
                : m;
    }
}
