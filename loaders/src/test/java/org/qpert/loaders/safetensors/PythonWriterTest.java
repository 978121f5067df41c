package org.qpert.loaders.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * tools/export_parity.py writes safetensors by hand (no safetensors package where users run it); its self-test file,
 * written by that code with torch 1.13, must read back here with the values the script put in.
 */
class PythonWriterTest {
    static final Path FILE = Path.of("../testdata/parity/exporter/selftest.safetensors");

    @Test
    void theExportersWriterIsReadBackExactly() throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(FILE)) {
            assertEquals(List.of("f32/arange", "f16/values", "bf16/values", "i64/ids", "f32/scalar", "f32/empty"),
                    f.tensors().stream().map(TensorInfo::name).toList());
            assertEquals("selftest", f.metadata().get("exporter"));
            float[] arange = new float[24];
            for (int i = 0; i < 24; i++) {
                arange[i] = i / 8f - 1;
            }
            assertArrayEquals(new long[] {2, 3, 4}, f.info("f32/arange").shape());
            assertArrayEquals(arange, f.readFloats("f32/arange"), 0f);
            assertEquals(DType.F16, f.info("f16/values").dtype());
            assertArrayEquals(new float[] {0.5f, -2f, 65504f, org.qpert.core.backend.Half.f16ToFloat(0x1419)},
                    f.readFloats("f16/values"), 0f);
            assertEquals(DType.BF16, f.info("bf16/values").dtype());
            assertArrayEquals(new float[] {1f, -3.5f, Float.intBitsToFloat(Float.floatToIntBits(1e20f) + 0x8000
                    & 0xffff0000), 7f}, f.readFloats("bf16/values"), 0f);
            assertArrayEquals(new long[] {101, 2023, 102, 101, 0, -7}, f.readLongs("i64/ids"));
            assertArrayEquals(new long[0], f.info("f32/scalar").shape());
            assertArrayEquals(new float[] {3.25f}, f.readFloats("f32/scalar"), 0f);
            assertArrayEquals(new long[] {0, 5}, f.info("f32/empty").shape());
            assertEquals(0, f.readFloats("f32/empty").length);
        }
    }
}
