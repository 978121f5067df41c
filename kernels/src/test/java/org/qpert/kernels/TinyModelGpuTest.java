package org.qpert.kernels;

import java.io.IOException;
import java.util.Arrays;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.qpert.core.backend.ReferenceCpuBackend;
import org.qpert.core.model.QueryPerturbation;
import org.qpert.core.model.blip2.Blip2Retrieval;
import org.qpert.core.model.blip2.ImageContext;
import org.qpert.loaders.safetensors.SafetensorsWeights;

/**
 * GPU: the whole tiny BLIP-2 (ViT, Q-Former ITC image and text passes, ITM) through the CUDA backend against the
 * independent scalar reference backend (ReferenceCpuBackend) on the fixture's inputs. Bounds on the outputs:
 * F32 1e-5, TF32 1e-2, BF16 1e-1.
 */
class TinyModelGpuTest {

    /** Bounds on the tiny model's outputs against float32 on the CPU (checked by emulation in PrecisionBoundsTest). */
    static double bound(Precision p) {
        return switch (p) {
            case F32 -> 1e-5;
            case TF32 -> 1e-2;
            case BF16 -> 1e-1;  // the ITM logits carry ~2e-2 (emulated); features ~1e-2
        };
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void imageTextAndItmOutputsMatchTheCpu(Precision precision) throws IOException {
        double bound = bound(precision);
        try (CudaBackend gpu = Gpu.open(precision, true)) {
            float[] pixels;
            int[] ids, mask;
            try (SafetensorsWeights act = TinyModel.fixture(TinyModel.DIR.resolve("activations.safetensors"))) {
                pixels = act.readFloats("inputs/pixel_values");
                ids = TinyModel.ints(act, "inputs/input_ids");
                mask = TinyModel.ints(act, "inputs/attention_mask");
            }
            Blip2Retrieval onReference = TinyModel.load(new ReferenceCpuBackend()), onGpu = TinyModel.load(gpu);
            int images = 2, texts = 3, len = 7, px = pixels.length / images;
            for (int i = 0; i < images; i++) {
                float[] image = Arrays.copyOfRange(pixels, i * px, (i + 1) * px);
                ImageContext cpuImage = onReference.encodeImage(image), gpuImage = onGpu.encodeImage(image);
                Gpu.check(precision + " tiny model image " + i + " ITC features",
                        Gpu.relativeError(onGpu.imageFeatures(gpuImage, QueryPerturbation.NONE),
                                onReference.imageFeatures(cpuImage, QueryPerturbation.NONE)), bound);
                for (int t = 0; t < texts; t++) {
                    int[] tid = Arrays.copyOfRange(ids, t * len, (t + 1) * len);
                    int[] tmask = Arrays.copyOfRange(mask, t * len, (t + 1) * len);
                    Gpu.check(precision + " tiny model ITM logits image " + i + ", text " + t,
                            Gpu.relativeError(onGpu.itmLogits(gpuImage, QueryPerturbation.NONE, tid, tmask),
                                    onReference.itmLogits(cpuImage, QueryPerturbation.NONE, tid, tmask)), bound);
                }
            }
            for (int t = 0; t < texts; t++) {
                int[] tid = Arrays.copyOfRange(ids, t * len, (t + 1) * len);
                int[] tmask = Arrays.copyOfRange(mask, t * len, (t + 1) * len);
                Gpu.check(precision + " tiny model text " + t + " ITC feature",
                        Gpu.relativeError(onGpu.textFeatures(tid, tmask), onReference.textFeatures(tid, tmask)), bound);
            }
        }
    }
}
