package org.qpert.core.model.blip2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.CpuBackend;
import org.qpert.core.backend.cpu.Kernels;
import org.qpert.core.model.QueryPerturbation;
import org.qpert.core.model.blip2.Blip2Retrieval.ItmPair;
import org.qpert.core.qpert.Box;
import org.qpert.core.qpert.Perturbation;

/**
 * An item in a batch gives exactly (bitwise) what it gives alone, on the CPU backend with the Vector API kernels and
 * with the scalar ones: images through the ViT, ITC image features with and without P̄, captions of mixed lengths with
 * padding, and ITM pairs that mix images, shared images and perturbations. Tiny-model shapes, random weights.
 */
class Blip2BatchTest {

    static Stream<Backend> backends() {
        return Stream.of(new CpuBackend(), new CpuBackend(Kernels.scalar()));
    }

    private static float[] pixels(long seed, int size) {
        Random r = new Random(seed);
        float[] p = new float[3 * size * size];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) r.nextGaussian();
        }
        return p;
    }

    private static int[] ids(long seed, int length) {
        Random r = new Random(seed);
        int[] ids = new int[length];
        for (int i = 0; i < length; i++) {
            ids[i] = r.nextInt(100);
        }
        return ids;
    }

    /** Ones, then {@code padding} zeros (a caption padded to a longer length). */
    private static int[] mask(int length, int padding) {
        int[] m = new int[length];
        Arrays.fill(m, 0, length - padding, 1);
        return m;
    }

    private record Images(Blip2Retrieval model, List<Blip2PerturbedImage> perturbed) {
    }

    /** Three images, the first and third with boxes (perturbed), encoded one by one. */
    private static Images images(Backend b) {
        Blip2Retrieval model = Blip2Retrieval.load(TinyRandomWeights.config(), new TinyRandomWeights(), b);
        List<List<Box>> boxes = List.of(List.of(new Box(5, 5, 30, 40), new Box(20, 0, 56, 20)), List.of(),
                List.of(new Box(0, 10, 25, 50)));
        List<Blip2PerturbedImage> out = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            out.add(Blip2PerturbedImage.encode(model, pixels(i, 56), 56, 56, boxes.get(i), Perturbation.published()));
        }
        assertFalse(out.get(0).perturbation().isEmpty(), "image 0 is perturbed");
        assertTrue(out.get(1).perturbation().isEmpty(), "image 1 is not");
        return new Images(model, out);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void imagesInABatchEqualImagesAlone(Backend b) {
        Blip2Retrieval model = Blip2Retrieval.load(TinyRandomWeights.config(), new TinyRandomWeights(), b);
        List<float[]> px = List.of(pixels(0, 56), pixels(1, 56), pixels(2, 56));
        List<ImageContext> batch = model.encodeImages(px);
        assertEquals(3, batch.size());
        for (int i = 0; i < 3; i++) {
            ImageContext alone = model.encodeImage(px.get(i));
            assertArrayEquals(b.download(alone.imageEmbeds()), b.download(batch.get(i).imageEmbeds()), "Z of " + i);
            for (int l : model.config().qformer().crossAttentionLayers()) {
                assertArrayEquals(b.download(alone.keys(l)), b.download(batch.get(i).keys(l)), "K" + l + " of " + i);
                assertArrayEquals(b.download(alone.values(l)), b.download(batch.get(i).values(l)),
                        "V" + l + " of " + i);
            }
        }
        assertFalse(Arrays.equals(b.download(batch.get(0).imageEmbeds()), b.download(batch.get(1).imageEmbeds())),
                "different images give different Z");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void imageFeaturesInABatchEqualAlone(Backend b) {
        Images im = images(b);
        Blip2Retrieval model = im.model();
        List<ImageContext> contexts = new ArrayList<>();
        List<QueryPerturbation> perturbations = new ArrayList<>();
        for (Blip2PerturbedImage p : im.perturbed()) {
            contexts.add(p.context());
            perturbations.add(p.perturbation());
        }
        contexts.add(im.perturbed().get(0).context()); // image 0 again, unperturbed
        perturbations.add(QueryPerturbation.NONE);
        List<float[]> batch = model.imageFeatures(contexts, perturbations);
        for (int i = 0; i < contexts.size(); i++) {
            assertArrayEquals(model.imageFeatures(contexts.get(i), perturbations.get(i)), batch.get(i),
                    "features of item " + i);
        }
        assertFalse(Arrays.equals(batch.get(0), batch.get(3)), "P̄ changes image 0's features");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void captionsOfMixedLengthsInABatchEqualAlone(Backend b) {
        Blip2Retrieval model = Blip2Retrieval.load(TinyRandomWeights.config(), new TinyRandomWeights(), b);
        List<int[]> ids = List.of(ids(1, 5), ids(2, 12), ids(3, 1), ids(4, 20), ids(5, 12));
        List<int[]> masks = Arrays.asList(null, mask(12, 4), mask(1, 0), mask(20, 9), mask(12, 0));
        List<float[]> batch = model.textFeatures(ids, masks);
        for (int i = 0; i < ids.size(); i++) {
            assertArrayEquals(model.textFeatures(ids.get(i), masks.get(i)), batch.get(i), "caption " + i);
        }
        assertFalse(Arrays.equals(batch.get(1), batch.get(4)), "the padding mask matters");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void itmPairsInABatchEqualAlone(Backend b) {
        Images im = images(b);
        Blip2Retrieval model = im.model();
        Blip2PerturbedImage i0 = im.perturbed().get(0), i1 = im.perturbed().get(1), i2 = im.perturbed().get(2);
        List<ItmPair> pairs = List.of(
                new ItmPair(i0.context(), i0.perturbation(), ids(1, 7), mask(7, 2)),
                new ItmPair(i0.context(), i0.perturbation(), ids(2, 15), null),
                new ItmPair(i1.context(), i1.perturbation(), ids(3, 1), mask(1, 0)),
                new ItmPair(i2.context(), i2.perturbation(), ids(4, 30), mask(30, 11)),
                new ItmPair(i0.context(), QueryPerturbation.NONE, ids(2, 15), null));
        List<float[]> batch = model.itmLogits(pairs);
        assertEquals(pairs.size(), batch.size());
        for (int i = 0; i < pairs.size(); i++) {
            ItmPair p = pairs.get(i);
            assertArrayEquals(model.itmLogits(p.image(), p.perturbation(), p.ids(), p.mask()), batch.get(i),
                    "ITM pair " + i);
        }
        assertFalse(Arrays.equals(batch.get(1), batch.get(4)), "P̄ changes the ITM logits");
    }

    @ParameterizedTest
    @MethodSource("backends")
    void rejectsBadItemsNamingThem(Backend b) {
        Blip2Retrieval model = Blip2Retrieval.load(TinyRandomWeights.config(), new TinyRandomWeights(), b);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> model.textFeatures(List.of(ids(1, 3), ids(2, 4)), List.of(mask(3, 0), mask(3, 0))));
        assertTrue(e.getMessage().contains("caption 1: attention mask has 3 entries for 4 token ids"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> model.encodeImages(List.of(pixels(0, 56), new float[5])));
        assertTrue(e.getMessage().contains("image 1: pixel_values has 5 values"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> model.itmLogits(List.of()));
    }
}
