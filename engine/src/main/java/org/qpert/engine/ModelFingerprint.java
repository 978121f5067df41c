package org.qpert.engine;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * A short id of a checkpoint's content for store settings: SHA-256 over config.json and, for every safetensors file
 * (by name), its size and first MiB (header and first tensors). Cheap on a 4.7 GB checkpoint, and different for
 * two checkpoints that differ in config, tensor layout or leading weights.
 */
public final class ModelFingerprint {
    private static final int HEAD_BYTES = 1 << 20;

    private ModelFingerprint() {
    }

    public static String of(Path modelDir) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(modelDir)) {
            files = s.filter(p -> p.getFileName().toString().equals("config.json")
                    || p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        }
        for (Path f : files) {
            sha.update(f.getFileName().toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            sha.update(Long.toString(Files.size(f)).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            try (InputStream in = Files.newInputStream(f)) {
                sha.update(in.readNBytes(HEAD_BYTES));
            }
        }
        return HexFormat.of().formatHex(sha.digest(), 0, 8);
    }
}
