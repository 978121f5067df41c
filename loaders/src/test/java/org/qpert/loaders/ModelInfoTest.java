package org.qpert.loaders;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.loaders.safetensors.DType;
import org.qpert.loaders.safetensors.SafetensorsWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelInfoTest {
    @TempDir
    Path dir;

    @Test
    void fixtureFolderSummary() throws IOException {
        ModelInfo info = ModelInfo.of(Path.of("../testdata/parity/tiny-blip2"));
        assertEquals(176242, info.parameterCount());
        assertEquals(149, info.tensorCount());
        assertEquals(1, info.weightFiles());
        assertEquals(Map.of(DType.F32, 149), info.tensorsByDtype());
        assertEquals(Map.of(DType.F32, 176242L), info.parametersByDtype());
        assertEquals(64, info.config().vision().hiddenSize());
        String text = info.toText();
        assertTrue(text.contains("parameters  176242"), text);
        assertTrue(text.contains("dtype F32   149 tensors, 176242 parameters"), text);
        assertTrue(text.contains("cross-attention layers [0, 2]"), text);
    }

    @Test
    void mixedDtypesAreCountedSeparately() throws IOException {
        Files.writeString(dir.resolve("config.json"), "{}");
        new SafetensorsWriter().addF32("a", new long[] {2, 3}, new float[6])
                .addRaw("b", DType.BF16, new long[] {4}, new byte[8])
                .addRaw("c", DType.BF16, new long[] {1}, new byte[2]).write(dir.resolve("model.safetensors"));
        ModelInfo info = ModelInfo.of(dir);
        assertEquals(11, info.parameterCount());
        assertEquals(Map.of(DType.F32, 1, DType.BF16, 2), info.tensorsByDtype());
        assertEquals(Map.of(DType.F32, 6L, DType.BF16, 5L), info.parametersByDtype());
    }
}
