package org.qpert.core.detect;

/**
 * How detections are selected. The defaults ({@link #DEFAULTS}) are our choice, not tuned on real weights: see
 * docs/detector.md.
 *
 * @param threshold keep boxes whose score ≥ threshold (in [0, 1])
 * @param nmsIou    greedy NMS drops a box whose IoU with a kept box is &gt; nmsIou (in [0, 1]; 1 keeps all)
 * @param minSize   for Q-Perturbation: drop boxes narrower or lower than this many pixels after clipping (≥ 0)
 * @param maxBoxes  for Q-Perturbation: keep at most this many boxes, best first (0 = all)
 */
public record DetectorSettings(double threshold, double nmsIou, double minSize, int maxBoxes) {

    /** Threshold 0.2 on objectness, NMS IoU 0.3, boxes of at least 16 px, at most 10 per image. Untuned. */
    public static final DetectorSettings DEFAULTS = new DetectorSettings(0.2, 0.3, 16, 10);

    public DetectorSettings {
        if (!(threshold >= 0 && threshold <= 1)) {
            throw new IllegalArgumentException("detection threshold " + threshold + " is outside [0, 1]");
        }
        if (!(nmsIou >= 0 && nmsIou <= 1)) {
            throw new IllegalArgumentException("NMS IoU threshold " + nmsIou + " is outside [0, 1]");
        }
        if (!(minSize >= 0) || Double.isInfinite(minSize)) {
            throw new IllegalArgumentException("minimum box size " + minSize + " must be a finite number >= 0 pixels");
        }
        if (maxBoxes < 0) {
            throw new IllegalArgumentException("maximum box count " + maxBoxes + " must be >= 0 (0 = all)");
        }
    }
}
