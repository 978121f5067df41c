package org.qpert.loaders;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reading UTF-8 text files with errors that name the file (the JDK's decoding error says only "Input length = 1"). */
public final class TextFiles {
    private TextFiles() {
    }

    public static String readUtf8(Path file) throws IOException {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(file + ": not UTF-8 text (a binary file where a text file was "
                    + "expected?)", e);
        }
    }
}
