package org.qpert.parity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.qpert.cli.PerturbationFixture;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.CpuBackend;
import org.qpert.core.backend.Tensor;
import org.qpert.core.model.QueryPerturbation;
import org.qpert.core.model.blip2.Blip2PerturbedImage;
import org.qpert.core.model.blip2.Blip2Retrieval;
import org.qpert.core.parity.Comparison;
import org.qpert.core.parity.ParityRun;
import org.qpert.core.parity.PerturbationParityRun;
import org.qpert.core.parity.ReferenceTensor;
import org.qpert.core.qpert.ImageObject;
import org.qpert.core.qpert.ImagePerturbation;
import org.qpert.core.qpert.ImagePerturbationBuilder.LayerKeys;
import org.qpert.core.qpert.ImagePerturbationBuilder;

/**
 * Q-Perturbation on the tiny BLIP-2 against the three PyTorch exports tiny-blip2/qpert-* (spec/QPERT.md, reference
 * P̄ from a float64 eigendecomposition). Tolerances: token weights, object weights and k exact; P̄, perturbed
 * queries, image features, ITC and ITM logits 1e-4 relative (max|a−b| / max|b|).
 */
class PerturbationParityTest {
    static final double TOLERANCE = 1e-4;
    static final String[] FIXTURES = {"qpert-constant-a8-t0.99", "qpert-normarea-a4-t0.9", "qpert-constant-a2-k3"};
    static final Blip2Retrieval MODEL = TinyBlip2.load("model.safetensors", new CpuBackend());

    static PerturbationFixture fixture(String name) {
        try {
            return PerturbationFixture.read(TinyBlip2.DIR.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @TestFactory
    Stream<DynamicTest> everyExportedTensorMatches() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String name : FIXTURES) {
            PerturbationFixture f = fixture(name);
            Map<String, float[]> computed = PerturbationParityRun.compute(MODEL, f.inputs());
            List<Comparison> results = ParityRun.compare(computed, f.reference());
            assertEquals(f.reference().size(), results.size(), name + ": every reference key must be computed");
            for (Comparison c : results) {
                boolean exact = c.key().startsWith("objects/");
                tests.add(DynamicTest.dynamicTest(name + " " + c.key(), () -> assertTrue(
                        exact ? c.maxAbsError() == 0 : c.within(TOLERANCE),
                        c.key() + ": max abs error " + c.maxAbsError() + ", relative " + c.relativeError())));
            }
        }
        return tests.stream();
    }

    /** P̄ from the export's own image_embeds and the key weights alone (no ViT in between). */
    @ParameterizedTest
    @ValueSource(strings = {"qpert-constant-a8-t0.99", "qpert-normarea-a4-t0.9", "qpert-constant-a2-k3"})
    void pbarFromTheExportedImageEmbeds(String name) {
        PerturbationFixture f = fixture(name);
        Backend b = MODEL.backend();
        float[] z = f.reference().get("image_embeds").values();
        ReferenceTensor pbar = f.reference().get("pbar");
        int tokens = 17, width = 64, heads = 4, d = 8;
        int[] cross = MODEL.config().qformer().crossAttentionLayers();
        int object = 0;
        for (int i = 0; i < 3; i++) {
            Tensor zi = b.upload(java.util.Arrays.copyOfRange(z, i * tokens * width, (i + 1) * tokens * width),
                    tokens, width);
            List<LayerKeys> keys = new ArrayList<>();
            for (int l : cross) {
                keys.add(new LayerKeys(l, MODEL.qformer().layer(l).crossattention().key().apply(b, zi)));
            }
            int[] size = f.inputs().imageSizes()[i];
            List<ImageObject> objects = ImageObject.of(f.inputs().boxes().get(i), size[0], size[1], 56, 14,
                    f.inputs().settings());
            ImagePerturbation p = new ImagePerturbationBuilder(b, f.inputs().settings()).build(objects, keys, heads);
            float[] want = java.util.Arrays.copyOfRange(pbar.values(), i * cross.length * heads * d * d,
                    (i + 1) * cross.length * heads * d * d);
            float[] got = new float[want.length];
            for (int l = 0; l < cross.length && !p.isEmpty(); l++) {
                System.arraycopy(p.hostPbar(cross[l]), 0, got, l * heads * d * d, heads * d * d);
            }
            Comparison c = Comparison.of("pbar[" + i + "]", got, new ReferenceTensor(new long[] {want.length}, want));
            double scale = max(pbar.values());
            assertTrue(c.maxAbsError() <= TOLERANCE * scale, name + " image " + i + ": " + c);
            float[] k = f.reference().get("objects/k").values();
            for (int j = 0; j < objects.size(); j++, object++) {
                for (int l = 0; l < cross.length; l++) {
                    for (int h = 0; h < heads; h++) {
                        int mine = p.isEmpty() ? 0 : p.basisCount(j, cross[l], h);
                        assertEquals((int) k[(object * cross.length + l) * heads + h], mine,
                                name + " k of object " + object + " layer " + cross[l] + " head " + h);
                    }
                }
            }
        }
    }

    /** Image 2 has no boxes, image 1 a box covering no token: the first is exactly unperturbed, both others change. */
    @ParameterizedTest
    @ValueSource(strings = {"qpert-constant-a8-t0.99", "qpert-constant-a2-k3"})
    void imageWithoutBoxesIsUnperturbedAndOthersChange(String name) {
        PerturbationFixture f = fixture(name);
        for (int i = 0; i < 3; i++) {
            int[] size = f.inputs().imageSizes()[i];
            Blip2PerturbedImage img = Blip2PerturbedImage.encode(MODEL, f.inputs().model().pixels()[i], size[0], size[1],
                    f.inputs().boxes().get(i), f.inputs().settings());
            float[] perturbed = img.imageFeatures(MODEL);
            float[] plain = MODEL.imageFeatures(img.context(), QueryPerturbation.NONE);
            if (i == 2) {
                assertTrue(img.perturbation().isEmpty());
                assertArrayEquals(plain, perturbed, "image 2 must equal the unperturbed embedding exactly");
            } else {
                double diff = 0;
                for (int k = 0; k < plain.length; k++) {
                    diff = Math.max(diff, Math.abs(plain[k] - perturbed[k]));
                }
                assertTrue(diff > 1e-3, "image " + i + " must change, max difference " + diff);
            }
        }
    }

    /** P̄ is built once per image: the ITC pass and every ITM pair reuse it without new eigenproblems. */
    @org.junit.jupiter.api.Test
    void pbarIsBuiltOncePerImageAndReusedForItcAndItm() {
        int[] eigenCalls = new int[1];
        Backend counting = new CpuBackend() {
            @Override
            public org.qpert.core.backend.SymmetricEigen symmetricEigen(double[] matrices, int count, int n) {
                eigenCalls[0]++;
                return super.symmetricEigen(matrices, count, n);
            }
        };
        Blip2Retrieval model = TinyBlip2.load("model.safetensors", counting);
        PerturbationFixture f = fixture(FIXTURES[0]);
        int[] size = f.inputs().imageSizes()[0];
        Blip2PerturbedImage img = Blip2PerturbedImage.encode(model, f.inputs().model().pixels()[0], size[0], size[1],
                f.inputs().boxes().get(0), f.inputs().settings());
        int afterEncode = eigenCalls[0];
        assertTrue(afterEncode >= 1 && afterEncode <= 2, "one batch per problem order, got " + afterEncode);
        img.imageFeatures(model);
        for (int t = 0; t < f.inputs().model().inputIds().length; t++) {
            img.itmLogits(model, f.inputs().model().inputIds()[t], f.inputs().model().attentionMasks()[t]);
        }
        assertEquals(afterEncode, eigenCalls[0], "ITC and ITM passes must not rebuild P̄");
    }

    private static double max(float[] v) {
        double m = 0;
        for (float x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }
}
