package org.qpert.kernels;

import static org.qpert.kernels.QpertFixture.D;
import static org.qpert.kernels.QpertFixture.HEADS;
import static org.qpert.kernels.QpertFixture.LAYERS;
import static org.qpert.kernels.QpertFixture.TOKENS;
import static org.qpert.kernels.QpertFixture.WIDTH;

import java.io.IOException;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.CpuBackend;
import org.qpert.core.backend.SymmetricEigen;
import org.qpert.core.model.blip2.Blip2Retrieval;
import org.qpert.core.model.blip2.ImageContext;
import org.qpert.core.qpert.Box;
import org.qpert.core.qpert.CoverageMode;
import org.qpert.core.qpert.TokenCoverage;

/**
 * Runs everywhere: the device chain of P̄ on the CPU with {@link KernelReferences} (weighted keys, moments) from core's
 * token weights, so the references the GPU tests rely on are themselves checked against the fixture (P̄ 1e-4).
 */
class QpertFixtureReferenceTest {

    @ParameterizedTest
    @ValueSource(strings = {"qpert-constant-a8-t0.99", "qpert-normarea-a4-t0.9", "qpert-constant-a2-k3"})
    void referencesReproduceTheFixturePbar(String folder) throws IOException {
        QpertFixture fx = new QpertFixture(folder);
        Backend cpu = new CpuBackend();
        Blip2Retrieval model = TinyModel.load(cpu);
        int[] crossLayers = TinyModel.CONFIG.qformer().crossAttentionLayers();
        for (int i = 0; i < QpertFixture.IMAGES; i++) {
            int n = fx.objects(i);
            if (n == 0) {
                continue;
            }
            ImageContext image = model.encodeImage(fx.pixels(i));
            float[] boxes = fx.boxes(i);
            int[] sizes = fx.sizes(i), counts = new int[n];
            float[][] weights = new float[n][];
            for (int b = 0; b < n; b++) {
                weights[b] = TokenCoverage.weights(new Box(boxes[4 * b], boxes[4 * b + 1], boxes[4 * b + 2],
                        boxes[4 * b + 3]), sizes[2 * b], sizes[2 * b + 1], 56, 14, CoverageMode.MASK_RESIZE);
                for (float w : weights[b]) {
                    counts[b] += w > 0 ? 1 : 0;
                }
            }
            float[] allWeights = new float[n * TOKENS];
            for (int b = 0; b < n; b++) {
                System.arraycopy(weights[b], 0, allWeights, b * TOKENS, TOKENS);
            }
            Gpu.check(folder + " image " + i + ": core's token weights",
                    Gpu.relativeError(allWeights, fx.tokenWeights(i)), 1.0 / 14);
            SymmetricEigen[] eigen = new SymmetricEigen[LAYERS];
            for (int li = 0; li < LAYERS; li++) {
                float[] keys = cpu.download(image.keys(crossLayers[li]));
                double[] moments = new double[n * HEADS * D * D];
                for (int b = 0; b < n; b++) {
                    double[] r = KernelReferences.keyMoments(KernelReferences.weightedKeys(keys, weights[b], WIDTH),
                            counts[b], HEADS, D);
                    System.arraycopy(r, 0, moments, b * r.length, r.length);
                }
                eigen[li] = cpu.symmetricEigen(moments, n * HEADS, D);
            }
            Gpu.check(folder + " image " + i + ": P̄ from reference moments and CPU Jacobi",
                    Gpu.relativeError(fx.assemblePbar(i, eigen, counts), fx.pbar(i)), 1e-4);
        }
    }

}
