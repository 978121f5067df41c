package org.qpert.api;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.qpert.core.model.owlv2.Owlv2Output;

/** Spec OWLV2.md §5 on one image's detector outputs, then clipping, minimum size and the box budget. */
final class Detections {

    private Detections() {
    }

    static List<Detection> decode(Owlv2Output out, int height, int width, DetectorSettings settings) {
        int n = out.numPatches();
        boolean byQuery = out.numQueries() > 0;
        double side = Math.max(height, width);
        List<Detection> candidates = new ArrayList<>();
        for (int j = 0; j < n; j++) {
            double logit = byQuery ? out.maxClassLogit(j) : out.objectnessLogits()[j];
            double score = 1 / (1 + Math.exp(-logit));
            if (score < settings.threshold()) {
                continue;
            }
            float[] b = out.boxes();
            double cx = b[4 * j];
            double cy = b[4 * j + 1];
            double w = b[4 * j + 2];
            double h = b[4 * j + 3];
            String label = byQuery ? settings.queries().get(out.bestQuery(j)) : DetectorSettings.OBJECT_LABEL;
            candidates.add(new Detection(j, score, label, (cx - w / 2) * side, (cy - h / 2) * side,
                    (cx + w / 2) * side, (cy + h / 2) * side));
        }
        candidates.sort(Comparator.comparingDouble(Detection::score).reversed().thenComparingInt(Detection::patch));
        List<Detection> kept = new ArrayList<>();
        for (Detection d : candidates) {
            boolean suppressed = false;
            for (Detection k : kept) {
                if (iou(d, k) > settings.nmsIou()) {
                    suppressed = true;
                    break;
                }
            }
            if (!suppressed) {
                kept.add(d);
            }
        }
        List<Detection> result = new ArrayList<>();
        for (Detection d : kept) {
            Detection c = new Detection(d.patch(), d.score(), d.label(), clamp(d.x0(), width), clamp(d.y0(), height),
                    clamp(d.x1(), width), clamp(d.y1(), height));
            if (c.width() <= 0 || c.height() <= 0 || c.width() < settings.minSize()
                    || c.height() < settings.minSize()) {
                continue;
            }
            result.add(c);
            if (settings.maxBoxes() > 0 && result.size() == settings.maxBoxes()) {
                break;
            }
        }
        return result;
    }

    static double iou(Detection a, Detection b) {
        double iw = Math.min(a.x1(), b.x1()) - Math.max(a.x0(), b.x0());
        double ih = Math.min(a.y1(), b.y1()) - Math.max(a.y0(), b.y0());
        if (iw <= 0 || ih <= 0) {
            return 0;
        }
        double inter = iw * ih;
        return inter / (a.width() * a.height() + b.width() * b.height() - inter);
    }

    private static double clamp(double v, int limit) {
        return Math.max(0, Math.min(limit, v));
    }
}
