package org.qpert.loaders.safetensors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.qpert.core.backend.WeightData;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Folder and sharded-index opening. */
class SafetensorsWeightsTest {
    @TempDir
    Path dir;

    private void shards() throws IOException {
        new SafetensorsWriter().addF32("a", new long[] {2}, new float[] {1, 2})
                .addF32("b", new long[] {1, 1}, new float[] {3}).write(dir.resolve("model-00001-of-00002.safetensors"));
        new SafetensorsWriter().addF32("c", new long[] {3}, new float[] {4, 5, 6})
                .write(dir.resolve("model-00002-of-00002.safetensors"));
    }

    private void index(String weightMap) throws IOException {
        Files.writeString(dir.resolve("model.safetensors.index.json"),
                "{\"metadata\": {\"total_size\": 24}, \"weight_map\": {" + weightMap + "}}");
    }

    private static final String GOOD_MAP = "\"a\": \"model-00001-of-00002.safetensors\", "
            + "\"b\": \"model-00001-of-00002.safetensors\", \"c\": \"model-00002-of-00002.safetensors\"";

    @Test
    void shardedFolderReadsEveryTensorFromItsShard() throws IOException {
        shards();
        index(GOOD_MAP);
        try (SafetensorsWeights w = SafetensorsWeights.open(dir)) {
            assertEquals(List.of("a", "b", "c"), List.copyOf(w.names()));
            assertEquals(2, w.files().size());
            assertArrayEquals(new float[] {1, 2}, w.floats("a", 2));
            assertArrayEquals(new float[] {3}, w.floats("b", 1, 1));
            assertArrayEquals(new float[] {4, 5, 6}, w.floats("c", 3));
            SafetensorsException e = assertThrows(SafetensorsException.class, () -> w.floats("c", 1, 3));
            assertTrue(e.getMessage().contains("model-00002-of-00002.safetensors")
                    && e.getMessage().contains("'c'"), e.getMessage());
        }
    }

    @Test
    void singleFileWinsOverIndex() throws IOException {
        shards();
        index(GOOD_MAP);
        new SafetensorsWriter().addF32("only", new long[] {1}, new float[] {9}).write(dir.resolve("model.safetensors"));
        try (SafetensorsWeights w = SafetensorsWeights.open(dir)) {
            assertEquals(List.of("only"), List.copyOf(w.names()));
        }
    }

    private SafetensorsException refuse() {
        return assertThrows(SafetensorsException.class, () -> SafetensorsWeights.open(dir).close());
    }

    @Test
    void shardOutsideTheFolderIsRefused() throws IOException {
        shards();
        for (String bad : new String[] {"../model-00002-of-00002.safetensors", "/etc/passwd", "sub/x.safetensors",
                "..", ""}) {
            index("\"a\": \"" + bad + "\"");
            SafetensorsException e = refuse();
            assertTrue(e.getMessage().contains("model.safetensors.index.json") && e.getMessage().contains("'a'")
                    && e.getMessage().contains("not a plain file name"), e.getMessage());
        }
    }

    @Test
    void missingShardIsNamed() throws IOException {
        shards();
        index("\"a\": \"model-00001-of-00002.safetensors\", \"z\": \"model-00003-of-00003.safetensors\"");
        SafetensorsException e = refuse();
        assertTrue(e.getMessage().contains("'model-00003-of-00003.safetensors'") && e.getMessage().contains("'z'")
                && e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void tensorListedButAbsentFromItsShard() throws IOException {
        shards();
        index("\"c\": \"model-00001-of-00002.safetensors\"");
        SafetensorsException e = refuse();
        assertTrue(e.getMessage().contains("model-00001-of-00002.safetensors") && e.getMessage().contains("'c'")
                && e.getMessage().contains("absent from this shard"), e.getMessage());
    }

    @Test
    void malformedIndex() throws IOException {
        shards();
        index(GOOD_MAP + ", \"a\": \"model-00002-of-00002.safetensors\"");
        assertTrue(refuse().getMessage().contains("tensor 'a' appears twice"));
        Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"metadata\": {}}");
        assertTrue(refuse().getMessage().contains("missing 'weight_map'"));
        Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"weight_map\": {\"a\": 3}}");
        assertTrue(refuse().getMessage().contains("shard of tensor 'a' must be a string"));
        Files.writeString(dir.resolve("model.safetensors.index.json"), "{\"weight_map\": {");
        assertTrue(refuse().getMessage().contains("not valid JSON"));
    }

    @Test
    void emptyFolderAndMissingPath() {
        SafetensorsException e = refuse();
        assertTrue(e.getMessage().contains("neither model.safetensors nor"), e.getMessage());
        e = assertThrows(SafetensorsException.class, () -> SafetensorsWeights.open(dir.resolve("nothing")));
        assertTrue(e.getMessage().contains("nothing") && e.getMessage().contains("no such file"), e.getMessage());
    }

    @Test
    void tensorKeepsTheStoredTypeAndBytes() throws IOException {
        byte[] bf16 = {(byte) 0x80, 0x3f, 0x00, (byte) 0xc0, 0x40, 0x40, 0x00, 0x00, 0x00, 0x3f, (byte) 0x80, 0x3f};
        byte[] f16 = {0x00, 0x3c, 0x01, 0x00}; // 1.0 and the smallest subnormal 2^-24
        new SafetensorsWriter().addRaw("w", DType.BF16, new long[] {2, 1, 3}, bf16)
                .addRaw("h", DType.F16, new long[] {2}, f16)
                .addI64("ids", new long[] {1}, new long[] {7}).write(dir.resolve("model.safetensors"));
        try (SafetensorsWeights w = SafetensorsWeights.open(dir)) {
            WeightData t = w.tensor("w", 2, 1, 3);
            assertEquals(org.qpert.core.backend.DType.BF16, t.dtype());
            assertEquals(2, t.rows());
            assertEquals(3, t.cols());
            assertEquals(12, t.bytes().remaining());
            assertArrayEquals(new float[] {1f, -2f, 3f, 0f, 0.5f, 1f}, t.toFloats());
            WeightData h = w.tensor("h", 2);
            assertEquals(org.qpert.core.backend.DType.F16, h.dtype());
            assertArrayEquals(new float[] {1f, 0x1p-24f}, h.toFloats());
            SafetensorsException e = assertThrows(SafetensorsException.class, () -> w.tensor("ids", 1));
            assertTrue(e.getMessage().contains("not a float type"), e.getMessage());
            assertThrows(SafetensorsException.class, () -> w.tensor("w", 2, 3));
        }
    }
}
