package org.qpert.loaders;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.qpert.loaders.safetensors.SafetensorsFile;
import org.qpert.loaders.safetensors.TensorInfo;

/**
 * The identity of a checkpoint's content, for the settings of a store: SHA-256 (first 16 hex digits) over
 * {@code config.json} and, for every tensor of every {@code *.safetensors} file in the folder (sorted by tensor name,
 * whichever file holds it), its name, dtype, shape and {@value #SAMPLES} samples of {@value #SAMPLE_BYTES} bytes
 * spread evenly over its data (all of it when smaller). Works for any checkpoint folder (BLIP-2, OWLv2, ...).
 *
 * <p>Why sampled: hashing all 4.7 GB of blip2-itm-vit-g would take tens of seconds on every start; the header plus
 * samples read ~8 MB (about 50 ms warm, a second from a cold disk). It is independent of the folder's name, of the
 * files' names and of how the tensors are split into shards, and changes with any change of configuration, tensor
 * set, dtype or shape, and with any retraining or fine-tuning (which moves every tensor). A change confined to bytes
 * no sample touches goes unnoticed: this is an identity, not an integrity check.
 */
public final class ModelFingerprint {
    static final int SAMPLES = 4;
    static final int SAMPLE_BYTES = 1024;

    private ModelFingerprint() {
    }

    public static String of(Path modelDir) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
        Path config = modelDir.resolve("config.json");
        if (Files.isRegularFile(config)) {
            sha.update(Files.readAllBytes(config));
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(modelDir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        }
        record Located(Path file, TensorInfo info) {
        }
        List<Located> tensors = new ArrayList<>();
        for (Path f : files) {
            try (SafetensorsFile st = SafetensorsFile.open(f)) {
                st.tensors().forEach(t -> tensors.add(new Located(f, t)));
            }
        }
        tensors.sort(Comparator.comparing(l -> l.info().name()));
        ByteBuffer sample = ByteBuffer.allocate(SAMPLES * SAMPLE_BYTES);
        Path current = null;
        FileChannel ch = null;
        try {
            for (Located l : tensors) {
                TensorInfo t = l.info();
                sha.update((t.name() + "\0" + t.dtype() + Arrays.toString(t.shape()) + "\0")
                        .getBytes(StandardCharsets.UTF_8));
                if (!l.file().equals(current)) {
                    if (ch != null) {
                        ch.close();
                    }
                    current = l.file();
                    ch = FileChannel.open(current, StandardOpenOption.READ);
                }
                long len = t.byteLength();
                boolean whole = len <= (long) SAMPLES * SAMPLE_BYTES;
                for (int i = 0; i < (whole ? 1 : SAMPLES); i++) {
                    // samples at 0, …, len − SAMPLE_BYTES: the first and the last bytes are always covered
                    long from = whole ? 0 : i * (len - SAMPLE_BYTES) / (SAMPLES - 1);
                    int n = whole ? (int) len : SAMPLE_BYTES;
                    sample.clear().limit(n);
                    while (sample.hasRemaining()) {
                        if (ch.read(sample, t.fileOffset() + from + sample.position()) < 0) {
                            throw new IOException(l.file() + ": ends inside tensor " + t.name());
                        }
                    }
                    sha.update(sample.array(), 0, n);
                }
            }
        } finally {
            if (ch != null) {
                ch.close();
            }
        }
        return HexFormat.of().formatHex(sha.digest(), 0, 8);
    }
}
