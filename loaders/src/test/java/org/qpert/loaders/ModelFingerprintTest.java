package org.qpert.loaders;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.loaders.safetensors.SafetensorsFile;
import org.qpert.loaders.safetensors.TensorInfo;

/** The fingerprint follows the checkpoint's content, not the folder or file names. */
class ModelFingerprintTest {
    static final Path TINY = Path.of("../testdata/parity/tiny-blip2");

    private static Path copy(Path dir, String name, String weightsName) throws Exception {
        Path m = Files.createDirectories(dir.resolve(name));
        Files.copy(TINY.resolve("config.json"), m.resolve("config.json"));
        Files.copy(TINY.resolve("model.safetensors"), m.resolve(weightsName));
        return m;
    }

    @Test
    void renamedFolderOrFileKeepsTheFingerprint(@TempDir Path dir) throws Exception {
        String a = ModelFingerprint.of(copy(dir, "tiny-blip2", "model.safetensors"));
        assertEquals(a, ModelFingerprint.of(copy(dir, "my-model", "model.safetensors")));
        assertEquals(a, ModelFingerprint.of(copy(dir, "other", "model-00001-of-00001.safetensors")));
        assertEquals(16, a.length());
    }

    @Test
    void changedWeightsOrConfigChangeIt(@TempDir Path dir) throws Exception {
        Path m = copy(dir, "m", "model.safetensors");
        String before = ModelFingerprint.of(m);
        TensorInfo t;
        try (SafetensorsFile f = SafetensorsFile.open(m.resolve("model.safetensors"))) {
            t = f.tensors().get(f.tensors().size() / 2);
        }
        byte[] bytes = Files.readAllBytes(m.resolve("model.safetensors"));
        bytes[(int) (t.fileOffset() + t.byteLength() - 1)] ^= 1; // the last byte of a tensor is always sampled
        Files.write(m.resolve("model.safetensors"), bytes);
        String changedWeight = ModelFingerprint.of(m);
        assertNotEquals(before, changedWeight);
        Files.writeString(m.resolve("config.json"), Files.readString(m.resolve("config.json")).replace(
                "\"num_query_tokens\": 8", "\"num_query_tokens\": 9"));
        assertNotEquals(changedWeight, ModelFingerprint.of(m));
    }
}
