package org.qpert.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.qpert.core.backend.CpuBackend;
import org.qpert.core.backend.Tensor;
import org.qpert.core.backend.WeightData;
import org.qpert.core.model.QueryPerturbation;
import org.qpert.core.model.blip2.Blip2Retrieval;
import org.qpert.core.model.blip2.ImageContext;
import org.qpert.loaders.safetensors.SafetensorsWeights;

/**
 * Runs everywhere: the TF32/BF16 error bounds the GPU tests assert, checked on the CPU with the same rounding
 * ({@link RoundingCpuBackend}): each bound must hold for the emulation with a margin of 2 for summation order.
 */
class PrecisionBoundsTest {

    @Test
    void roundingMatchesTheHardwareFormats() {
        assertEquals(1.0f, RoundingCpuBackend.round(1.0f + 0x1p-12f, Precision.TF32));  // below half an ulp of 2^-10
        assertEquals(1.0f + 0x1p-10f, RoundingCpuBackend.round(1.0f + 0x1p-11f, Precision.TF32));  // tie: away
        assertEquals(1.0f, RoundingCpuBackend.round(1.0f + 0x1p-8f, Precision.BF16));  // tie: to even (down)
        assertEquals(1.0f + 0x1p-6f, RoundingCpuBackend.round(1.0f + 0x1p-7f + 0x1p-8f, Precision.BF16));  // up
        assertEquals(-1.5f, RoundingCpuBackend.round(-1.5f, Precision.BF16));
    }

    /**
     * gemm.cu's TF32 variants for 16-bit weights widen them in the tile load and round to TF32 like the activations:
     * every finite bfloat16 and float16 value must pass TF32 rounding unchanged, so only the activations round.
     */
    @Test
    void sixteenBitWeightsAreExactInTf32() {
        int checked = 0;
        for (int bits = 0; bits < 1 << 16; bits++) {
            for (float w : new float[] {Float.intBitsToFloat(bits << 16), CudaBackend.f16ToFloat((short) bits)}) {
                if (Float.isFinite(w)) {
                    assertEquals(w, RoundingCpuBackend.round(w, Precision.TF32), "16-bit pattern " + bits);
                    checked++;
                }
            }
        }
        // non-finite: exponent all ones, 2 signs × 2^7 bfloat16 mantissas and 2 × 2^10 float16 mantissas
        assertEquals(2 * 65536 - 2 * 128 - 2 * 1024, checked, "every finite bfloat16 and float16 value");
    }

    /** The backend's float16 decoding (download of an F16 weight) round-trips every finite pattern. */
    @Test
    void float16DecodingRoundTrips() {
        for (int bits = 0; bits < 1 << 16; bits++) {
            float f = CudaBackend.f16ToFloat((short) bits);
            if (Float.isFinite(f)) {
                assertEquals((short) bits, GemmKernelTest.Float16.fromFloat(f), "pattern " + bits);
            }
        }
        assertEquals(1.0f, CudaBackend.f16ToFloat((short) 0x3c00));
        assertEquals(0x1p-24f, CudaBackend.f16ToFloat((short) 1));
        assertEquals(-65504f, CudaBackend.f16ToFloat((short) 0xfbff));
    }

    @Test
    void gemmBoundsHoldForTheEmulatedPrecisions() {
        Random rnd = new Random(3);
        int m = 257, n = 1408, k = 6144;
        CpuBackend cpu = new CpuBackend();
        float[] x = Gpu.random(rnd, m * k, 1), w = Gpu.random(rnd, n * k, 1 / Math.sqrt(k)), b = Gpu.random(rnd, n, 0.1);
        // a slice of the output rows keeps this quick; the error is a per-element property
        Tensor xs = cpu.upload(Arrays.copyOf(x, 16 * k), 16, k), ws = cpu.weight(WeightData.f32(w, n, k)), bs = cpu.upload(b, 1, n);
        float[] want = cpu.download(cpu.linear(xs, ws, bs));
        for (Precision p : new Precision[] {Precision.TF32, Precision.BF16}) {
            RoundingCpuBackend r = new RoundingCpuBackend(p);
            double err = Gpu.relativeError(r.download(r.linear(r.upload(Arrays.copyOf(x, 16 * k), 16, k),
                    r.weight(WeightData.f32(w, n, k)), r.upload(b, 1, n))), want);
            Gpu.check("emulated " + p + " GEMM [16x6144]·[1408x6144]ᵀ, x2 margin", 2 * err, Gpu.gemmTolerance(p));
        }
    }

    @Test
    void tinyModelBoundsHoldForTheEmulatedPrecisions() throws IOException {
        float[] pixels;
        int[] ids, mask;
        try (SafetensorsWeights act = TinyModel.fixture(TinyModel.DIR.resolve("activations.safetensors"))) {
            pixels = act.readFloats("inputs/pixel_values");
            ids = TinyModel.ints(act, "inputs/input_ids");
            mask = TinyModel.ints(act, "inputs/attention_mask");
        }
        Blip2Retrieval f32 = TinyModel.load(new CpuBackend());
        for (Precision p : new Precision[] {Precision.TF32, Precision.BF16}) {
            Blip2Retrieval low = TinyModel.load(new RoundingCpuBackend(p));
            double features = 0, itm = 0, text = 0;
            int px = pixels.length / 2, len = 7;
            for (int i = 0; i < 2; i++) {
                float[] image = Arrays.copyOfRange(pixels, i * px, (i + 1) * px);
                ImageContext a = f32.encodeImage(image), b = low.encodeImage(image);
                features = Math.max(features, Gpu.relativeError(low.imageFeatures(b, QueryPerturbation.NONE),
                        f32.imageFeatures(a, QueryPerturbation.NONE)));
                for (int t = 0; t < 3; t++) {
                    int[] tid = Arrays.copyOfRange(ids, t * len, (t + 1) * len);
                    int[] tm = Arrays.copyOfRange(mask, t * len, (t + 1) * len);
                    itm = Math.max(itm, Gpu.relativeError(low.itmLogits(b, QueryPerturbation.NONE, tid, tm),
                            f32.itmLogits(a, QueryPerturbation.NONE, tid, tm)));
                    if (i == 0) {
                        text = Math.max(text, Gpu.relativeError(low.textFeatures(tid, tm), f32.textFeatures(tid, tm)));
                    }
                }
            }
            double bound = TinyModelGpuTest.bound(p);
            Gpu.check("emulated " + p + " tiny model image features, x2 margin", 2 * features, bound);
            Gpu.check("emulated " + p + " tiny model ITM logits, x2 margin", 2 * itm, bound);
            Gpu.check("emulated " + p + " tiny model text features, x2 margin", 2 * text, bound);
        }
    }
}
