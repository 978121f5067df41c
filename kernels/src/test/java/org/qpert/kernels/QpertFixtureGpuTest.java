package org.qpert.kernels;

import org.qpert.core.model.blip2.Blip2PerturbedImage;

import static org.qpert.kernels.QpertFixture.D;
import static org.qpert.kernels.QpertFixture.HEADS;
import static org.qpert.kernels.QpertFixture.LAYERS;
import static org.qpert.kernels.QpertFixture.WIDTH;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.qpert.core.backend.Tensor;
import org.qpert.core.model.blip2.Blip2Retrieval;
import org.qpert.core.model.blip2.ImageContext;
import org.qpert.core.qpert.ImageObject;
import org.qpert.core.qpert.ImagePerturbation;
import org.qpert.core.qpert.ImagePerturbationBuilder.LayerKeys;
import org.qpert.core.qpert.ImagePerturbationBuilder;
import org.qpert.core.qpert.Perturbation;

/**
 * GPU: the Q-Perturbation fixtures through the CUDA backend: P̄ of the production path from the fixture's token weights
 * (1e-4, the fixture's tolerance for P̄), and the perturbed ITC image features given the fixture's P̄ (1e-5).
 */
class QpertFixtureGpuTest {

    /** P̄ as Blip2PerturbedImage builds it: ImagePerturbationBuilder → CudaBackend.meanProjectors, keys left on the device. */
    static float[] productionPbar(CudaBackend gpu, QpertFixture fx, String folder, int image, ImageContext context) {
        float[] weights = fx.tokenWeights(image);
        List<ImageObject> objects = new ArrayList<>();
        for (int b = 0; b < fx.objects(image); b++) {
            objects.add(ImageObject.ofTokenWeights(fx.objectWeight(fx.firstObject(image) + b),
                    Arrays.copyOfRange(weights, b * QpertFixture.TOKENS, (b + 1) * QpertFixture.TOKENS)));
        }
        int[] crossLayers = TinyModel.CONFIG.qformer().crossAttentionLayers();
        List<LayerKeys> keys = new ArrayList<>();
        for (int l : crossLayers) {
            keys.add(new LayerKeys(l, context.keys(l)));
        }
        double tau = Double.parseDouble(folder.replaceAll(".*-[tk]", ""));
        ImagePerturbation p = new ImagePerturbationBuilder(gpu, Perturbation.published().withTau(tau))
                .build(objects, keys, HEADS);
        float[] out = new float[LAYERS * WIDTH * D];
        for (int li = 0; li < LAYERS; li++) {
            System.arraycopy(p.hostPbar(crossLayers[li]), 0, out, li * WIDTH * D, WIDTH * D);
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"qpert-constant-a8-t0.99", "qpert-normarea-a4-t0.9", "qpert-constant-a2-k3"})
    void pbarAndPerturbedFeaturesMatchTheFixture(String folder) throws IOException {
        QpertFixture fx = new QpertFixture(folder);
        try (CudaBackend gpu = Gpu.open(Precision.F32, true)) {
            Blip2Retrieval model = TinyModel.load(gpu);
            int[] crossLayers = TinyModel.CONFIG.qformer().crossAttentionLayers();
            for (int i = 0; i < QpertFixture.IMAGES; i++) {
                ImageContext image = model.encodeImage(fx.pixels(i));
                if (fx.objects(i) > 0) {
                    Gpu.check(folder + " image " + i + ": P̄ of the production path (Backend.meanProjectors on device)",
                            Gpu.relativeError(productionPbar(gpu, fx, folder, i, image), fx.pbar(i)), 1e-4);
                }
                float[] pbar = fx.pbar(i);
                Tensor[] byLayer = new Tensor[TinyModel.CONFIG.qformer().numHiddenLayers()];
                for (int li = 0; li < LAYERS; li++) {
                    byLayer[crossLayers[li]] = gpu.upload(Arrays.copyOfRange(pbar, li * WIDTH * D, (li + 1) * WIDTH * D),
                            WIDTH, D);
                }
                Gpu.check(folder + " image " + i + ": perturbed ITC image features",
                        Gpu.relativeError(model.imageFeatures(image, layer -> byLayer[layer]), fx.imageFeatures(i)), 1e-5);
            }
        }
    }
}
