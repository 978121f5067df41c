package org.qpert.loaders.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Hand-made safetensors bytes for tests that need files the writer would never produce. */
final class RawFiles {
    private RawFiles() {
    }

    /** Writes {@code u64 header length, header, data}. */
    static Path write(Path path, String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return write(path, h.length, h, data);
    }

    /** Writes a claimed header length that may lie about the bytes that follow. */
    static Path write(Path path, long claimedLength, byte[] header, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(claimedLength).put(header).put(data);
        Files.write(path, b.array());
        return path;
    }
}
