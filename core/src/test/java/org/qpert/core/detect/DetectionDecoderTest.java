package org.qpert.core.detect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.qpert.core.model.owlv2.Owlv2Output;
import org.qpert.core.qpert.Box;

/** The post-processing rule on hand-made outputs (the tiny-owlv2 cases are checked in the cli parity tests). */
class DetectionDecoderTest {

    private static float logit(double p) {
        return (float) Math.log(p / (1 - p));
    }

    /** Corners are (cx ∓ w/2)·max(H, W): the padding is at the bottom/right, so no offset and one scale. */
    @Test
    void cornersScaleByTheLongerSide() {
        float[] boxes = {0.5f, 0.25f, 0.5f, 0.25f};
        List<Detection> d = DetectionDecoder.decode(new float[] {2f}, null, boxes, 300, 600, 0.5, 0.3);
        assertEquals(1, d.size());
        assertEquals(new Box(150, 75, 450, 225), d.get(0).box());
        assertEquals(1 / (1 + Math.exp(-2.0)), d.get(0).score(), 1e-12);
        assertEquals(Detection.NO_LABEL, d.get(0).label());
    }

    @Test
    void thresholdIsInclusiveAndNmsDropsOnlyAboveTheIou() {
        // Patches 0 and 1 overlap with IoU exactly 1/3; patch 2 lies apart.
        float[] boxes = {0.2f, 0.5f, 0.2f, 0.2f, 0.3f, 0.5f, 0.2f, 0.2f, 0.8f, 0.5f, 0.1f, 0.1f};
        float[] logits = {logit(0.9), logit(0.8), logit(0.3)};
        assertEquals(List.of(0, 1, 2), patches(DetectionDecoder.decode(logits, null, boxes, 100, 100, 0.0, 0.34)));
        assertEquals(List.of(0, 2), patches(DetectionDecoder.decode(logits, null, boxes, 100, 100, 0.0, 0.33)));
        double score2 = 1 / (1 + Math.exp(-(double) logits[2]));
        assertEquals(List.of(0, 2), patches(DetectionDecoder.decode(logits, null, boxes, 100, 100, score2, 0.3)));
        assertEquals(List.of(0), patches(DetectionDecoder.decode(logits, null, boxes, 100, 100, 0.31, 0.3)));
    }

    /** Equal scores: the lower patch is kept and suppresses the higher one. */
    @Test
    void tiesGoToTheLowerPatch() {
        float[] boxes = {0.5f, 0.5f, 0.2f, 0.2f, 0.5f, 0.5f, 0.2f, 0.2f, 0.5f, 0.5f, 0.2f, 0.2f};
        float[] logits = {0.5f, 1f, 1f};
        List<Detection> d = DetectionDecoder.decode(logits, new int[] {4, 5, 6}, boxes, 50, 50, 0, 0.5);
        assertEquals(List.of(1), patches(d));
        assertEquals(5, d.get(0).label());
        assertEquals(List.of(1, 2, 0), patches(DetectionDecoder.decode(logits, null, boxes, 50, 50, 0, 1.0)));
    }

    @Test
    void perturbationBoxesAreClippedFilteredAndCapped() {
        List<Detection> d = List.of(
                new Detection(new Box(-20, -10, 50, 40), 0.9, -1, 0), // clipped to (0, 0, 50, 40)
                new Detection(new Box(110, 10, 150, 30), 0.8, -1, 1), // clipped to 10 x 20: too narrow at 16
                new Detection(new Box(200, 200, 300, 300), 0.7, -1, 2), // outside the 100 x 120 image
                new Detection(new Box(10, 50, 40, 90), 0.6, -1, 3),
                new Detection(new Box(60, 50, 100, 99), 0.5, -1, 4));
        List<Detection> all = DetectionDecoder.forPerturbation(d, 100, 120, 16, 0);
        assertEquals(List.of(0, 3, 4), patches(all));
        assertEquals(new Box(0, 0, 50, 40), all.get(0).box());
        assertEquals(List.of(0, 3), patches(DetectionDecoder.forPerturbation(d, 100, 120, 16, 2)));
        assertEquals(List.of(0, 1, 3, 4), patches(DetectionDecoder.forPerturbation(d, 100, 120, 0, 0)));
    }

    @Test
    void classesUseTheBestQueryAndSkipAbsentOnes() {
        float min = -Float.MAX_VALUE;
        float[] boxes = {0.2f, 0.2f, 0.1f, 0.1f, 0.7f, 0.7f, 0.1f, 0.1f, 0.2f, 0.7f, 0.1f, 0.1f, 0.7f, 0.2f, 0.1f, 0.1f};
        float[] classLogits = {1f, 2f, min, -3f, -1f, min, 0f, 0f, min, -9f, -8f, min};
        Owlv2Output out = new Owlv2Output(2, new float[4], boxes, classLogits, 3);
        List<Detection> d = DetectionDecoder.classes(out, 10, 10, 0.2, 0.3);
        assertEquals(List.of(0, 2, 1), patches(d));
        assertEquals(List.of(1, 0, 1), d.stream().map(Detection::label).toList());
    }

    @Test
    void mismatchedArraysAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DetectionDecoder.decode(new float[2], null, new float[4], 10, 10, 0, 0));
        assertTrue(e.getMessage().contains("box values"), e.getMessage());
    }

    private static List<Integer> patches(List<Detection> d) {
        return d.stream().map(Detection::patch).toList();
    }
}
