package org.qpert.core.detect;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.qpert.core.model.owlv2.Owlv2Output;
import org.qpert.core.qpert.Box;

/**
 * Detector outputs → boxes in the original image (spec OWLV2 §5). score = σ(logit); corners (cx ∓ w/2, cy ∓ h/2)·s
 * with s = max(height, width), since the detector saw the image padded to a square at the bottom and right; boxes with
 * score ≥ threshold, then greedy NMS in descending score (ties: lower patch first) dropping a box whose IoU with a kept
 * one is &gt; the NMS threshold. The result is sorted best first and not clipped.
 */
public final class DetectionDecoder {
    private static final Comparator<Detection> BEST_FIRST = Comparator.comparingDouble(Detection::score).reversed()
            .thenComparingInt(Detection::patch);

    private DetectionDecoder() {
    }

    /** Class-agnostic boxes from the objectness head (label {@link Detection#NO_LABEL}). */
    public static List<Detection> objectness(Owlv2Output out, int height, int width, double threshold, double nmsIou) {
        return decode(out.objectnessLogits(), null, out.boxes(), height, width, threshold, nmsIou);
    }

    /** Boxes for text queries: each patch scored by its best query, which becomes the label. */
    public static List<Detection> classes(Owlv2Output out, int height, int width, double threshold, double nmsIou) {
        int n = out.numPatches();
        float[] logits = new float[n];
        int[] labels = new int[n];
        for (int j = 0; j < n; j++) {
            labels[j] = out.bestQuery(j);
            logits[j] = out.maxClassLogit(j);
        }
        return decode(logits, labels, out.boxes(), height, width, threshold, nmsIou);
    }

    /**
     * The rule on plain arrays: logits [n], labels [n] or null, boxes [n·4] (cx, cy, w, h relative to the padded
     * square). A box that is empty in pixels (w or h underflowed to 0) cannot be an object and is skipped.
     */
    public static List<Detection> decode(float[] logits, int[] labels, float[] boxes, int height, int width,
                                         double threshold, double nmsIou) {
        int n = logits.length;
        if (boxes.length != 4 * n || (labels != null && labels.length != n)) {
            throw new IllegalArgumentException(n + " logits need " + 4 * n + " box values and as many labels, got "
                    + boxes.length + " and " + (labels == null ? "none" : labels.length));
        }
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("image size " + height + " x " + width + " (H x W) must be positive");
        }
        double s = Math.max(height, width);
        List<Detection> candidates = new ArrayList<>();
        for (int j = 0; j < n; j++) {
            double score = 1.0 / (1.0 + Math.exp(-(double) logits[j]));
            if (!(score >= threshold)) {
                continue;
            }
            double cx = boxes[4 * j], cy = boxes[4 * j + 1], w = boxes[4 * j + 2], h = boxes[4 * j + 3];
            double x0 = (cx - w / 2) * s, y0 = (cy - h / 2) * s, x1 = (cx + w / 2) * s, y1 = (cy + h / 2) * s;
            if (!(x1 > x0 && y1 > y0)) {
                continue;
            }
            candidates.add(new Detection(new Box(x0, y0, x1, y1), score,
                    labels == null ? Detection.NO_LABEL : labels[j], j));
        }
        candidates.sort(BEST_FIRST);
        return nms(candidates, nmsIou);
    }

    /** Greedy NMS over detections sorted best first. */
    static List<Detection> nms(List<Detection> sorted, double nmsIou) {
        List<Detection> kept = new ArrayList<>();
        for (Detection d : sorted) {
            boolean overlaps = false;
            for (Detection k : kept) {
                if (iou(d.box(), k.box()) > nmsIou) {
                    overlaps = true;
                    break;
                }
            }
            if (!overlaps) {
                kept.add(d);
            }
        }
        return kept;
    }

    /** Intersection over union of two boxes (0 when they do not overlap). */
    public static double iou(Box a, Box b) {
        double iw = Math.min(a.x1(), b.x1()) - Math.max(a.x0(), b.x0());
        double ih = Math.min(a.y1(), b.y1()) - Math.max(a.y0(), b.y0());
        if (iw <= 0 || ih <= 0) {
            return 0;
        }
        double inter = iw * ih;
        return inter / (a.width() * a.height() + b.width() * b.height() - inter);
    }

    /**
     * The boxes Q-Perturbation uses, from decoded detections (best first): each clipped to the {@code height × width}
     * image (a box with nothing inside is dropped), boxes narrower or lower than {@code minSize} pixels dropped, then
     * the first {@code maxBoxes} kept (0 = all).
     */
    public static List<Detection> forPerturbation(List<Detection> detections, int height, int width, double minSize,
                                                  int maxBoxes) {
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("image size " + height + " x " + width + " (H x W) must be positive");
        }
        List<Detection> out = new ArrayList<>();
        for (Detection d : detections) {
            if (maxBoxes > 0 && out.size() == maxBoxes) {
                break;
            }
            Box b = d.box();
            if (Math.min(width, b.x1()) <= Math.max(0, b.x0()) || Math.min(height, b.y1()) <= Math.max(0, b.y0())) {
                continue;
            }
            Box clipped = b.clipTo(height, width);
            if (clipped.width() >= minSize && clipped.height() >= minSize) {
                out.add(d.withBox(clipped));
            }
        }
        return out;
    }
}
