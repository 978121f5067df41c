package org.qpert.loaders.safetensors;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Every safetensors fixture in the repository opens and every tensor reads with the reader for its dtype. */
class AllFixturesReadTest {

    @Test
    void everyFixtureTensorReads() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(Path.of("../testdata/parity"))) {
            files = s.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList();
        }
        assertFalse(files.isEmpty());
        int u8 = 0;
        for (Path p : files) {
            try (SafetensorsFile f = SafetensorsFile.open(p)) {
                for (TensorInfo t : f.tensors()) {
                    int n = switch (t.dtype()) {
                        case F32, F16, BF16 -> f.readFloats(t.name()).length;
                        case I64 -> f.readLongs(t.name()).length;
                        case I32 -> f.readInts(t.name()).length;
                        case U8 -> f.readBytes(t.name()).length;
                        default -> throw new AssertionError(p + ": unexpected dtype in " + t);
                    };
                    assertEquals(t.numel(), n, p + " " + t);
                    u8 += t.dtype() == DType.U8 ? 1 : 0;
                }
            }
        }
        assertFalse(u8 == 0, "the image fixtures hold U8 tensors");
    }
}
