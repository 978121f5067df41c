package org.qpert.loaders.safetensors;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tiny-blip2 parity fixture: F32, F16 and BF16 files agree up to round-to-nearest-even. */
class TinyBlip2WeightsTest {
    static final Path DIR = Path.of("../testdata/parity/tiny-blip2");

    @Test
    void f32FileHasTheDocumentedTensors() throws IOException {
        try (SafetensorsWeights w = SafetensorsWeights.open(DIR)) {
            assertEquals(149, w.names().size());
            long params = w.tensors().stream().mapToLong(TensorInfo::numel).sum();
            assertEquals(176242, params);
            assertTrue(w.tensors().stream().allMatch(t -> t.dtype() == DType.F32));
            assertArrayEquals(new long[] {1, 8, 32}, w.shape("query_tokens"));
            assertEquals(8 * 32, w.floats("query_tokens", 1, 8, 32).length);
        }
    }

    @Test
    void shapeMismatchAndMissingTensorNameTensorAndFile() throws IOException {
        try (SafetensorsWeights w = SafetensorsWeights.open(DIR)) {
            SafetensorsException e = assertThrows(SafetensorsException.class,
                    () -> w.floats("query_tokens", 8, 32));
            assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains("'query_tokens'")
                    && e.getMessage().contains("F32[1, 8, 32]") && e.getMessage().contains("expected [8, 32]"),
                    e.getMessage());
            e = assertThrows(SafetensorsException.class, () -> w.floats("temp", 1));
            assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains("no tensor 'temp'"),
                    e.getMessage());
        }
    }

    @Test
    void f16AndBf16AreTheF32ValuesRoundedToNearestEven() throws IOException {
        try (SafetensorsFile f32 = SafetensorsFile.open(DIR.resolve("model.safetensors"));
             SafetensorsFile f16 = SafetensorsFile.open(DIR.resolve("model-f16.safetensors"));
             SafetensorsFile bf16 = SafetensorsFile.open(DIR.resolve("model-bf16.safetensors"))) {
            List<String> names = f32.tensors().stream().map(TensorInfo::name).sorted().toList();
            assertEquals(names, f16.tensors().stream().map(TensorInfo::name).sorted().toList());
            assertEquals(names, bf16.tensors().stream().map(TensorInfo::name).sorted().toList());
            int changed16 = 0;
            for (String n : names) {
                assertEquals(DType.F16, f16.info(n).dtype());
                assertEquals(DType.BF16, bf16.info(n).dtype());
                assertArrayEquals(f32.info(n).shape(), f16.info(n).shape(), n);
                float[] ref = f32.readFloats(n);
                float[] h = f16.readFloats(n);
                float[] b = bf16.readFloats(n);
                for (int i = 0; i < ref.length; i++) {
                    // Exact equality: rounding is deterministic, tolerance 0.
                    assertEquals(roundToF16(ref[i]), h[i], 0f, n + "[" + i + "] f16");
                    assertEquals(roundToBf16(ref[i]), b[i], 0f, n + "[" + i + "] bf16");
                    changed16 += ref[i] != h[i] ? 1 : 0;
                }
            }
            assertTrue(changed16 > 1000, "rounding must actually change values, changed " + changed16);
        }
    }

    /** Round-to-nearest-even onto the F16 grid: ulp 2^(e-10), subnormal ulp 2^-24, overflow to infinity. */
    static float roundToF16(float x) {
        if (Float.isNaN(x) || Float.isInfinite(x)) {
            return x;
        }
        int e = Math.max(Math.getExponent(x), -14);
        double ulp = Math.scalb(1.0, e - 10);
        double r = Math.rint(x / ulp) * ulp; // rint rounds ties to even
        return Math.abs(r) > 65504 ? Math.copySign(Float.POSITIVE_INFINITY, x) : (float) Math.copySign(r, x);
    }

    /** Round-to-nearest-even onto the BF16 grid: 8 significant bits, float32's exponent range. */
    static float roundToBf16(float x) {
        if (Float.isNaN(x) || Float.isInfinite(x)) {
            return x;
        }
        int e = Math.max(Math.getExponent(x), -126);
        double ulp = Math.scalb(1.0, e - 7);
        double r = Math.rint(x / ulp) * ulp;
        double max = Float.intBitsToFloat(0x7f7f0000);
        return Math.abs(r) > max ? Math.copySign(Float.POSITIVE_INFINITY, x) : (float) Math.copySign(r, x);
    }

    @Test
    void referenceRoundingIsRight() {
        assertEquals(1f, roundToF16(1f + 0x1p-11f), 0f);                  // tie -> even (down)
        assertEquals(1f + 0x1p-9f, roundToF16(1f + 3 * 0x1p-11f), 0f);     // tie -> even (up)
        assertEquals(0x1p-24f, roundToF16(0x1p-24f * 1.4f), 0f);           // subnormal grid
        assertEquals(Float.POSITIVE_INFINITY, roundToF16(65520f), 0f);
        assertEquals(65504f, roundToF16(65519f), 0f);
        assertEquals(1f, roundToBf16(1f + 0x1p-8f), 0f);
        assertEquals(1f + 0x1p-6f, roundToBf16(1f + 3 * 0x1p-8f), 0f);
    }
}
