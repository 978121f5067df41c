package org.qpert.api;

import java.util.List;
import java.util.Locale;

/**
 * How {@link Detector} turns OWLv2 outputs into boxes (spec OWLV2.md §5): keep patches whose score (σ of the
 * objectness logit, or of the best query's class logit when there are text queries) is at least {@code threshold},
 * greedy NMS at IoU {@code nmsIou}, clip to the image, drop boxes narrower or lower than {@code minSize} pixels, keep
 * the {@code maxBoxes} best (0 = all).
 *
 * <p>The defaults are ours and <b>untuned</b> (the paper's detector thresholds are unknown): threshold 0.1 (HF's
 * OWLv2 example), NMS IoU 0.3 (HF's OWLv2 example), min size 8 px, at most 10 boxes (a few objects per image is
 * what Q-Perturbation's mean projector is made for).
 *
 * @param queries text queries ("a dog"); empty = class-agnostic objectness
 */
public record DetectorSettings(double threshold, double nmsIou, double minSize, int maxBoxes, List<String> queries) {

    public static final double DEFAULT_THRESHOLD = 0.1;
    public static final double DEFAULT_NMS_IOU = 0.3;
    public static final double DEFAULT_MIN_SIZE = 8;
    public static final int DEFAULT_MAX_BOXES = 10;
    /** The label of a box found by objectness (no text queries). */
    public static final String OBJECT_LABEL = "object";

    public DetectorSettings {
        if (!(threshold >= 0 && threshold <= 1)) {
            throw new IllegalArgumentException("detection threshold must be in 0..1, got " + threshold);
        }
        if (!(nmsIou >= 0 && nmsIou <= 1)) {
            throw new IllegalArgumentException("NMS IoU must be in 0..1 (1 keeps every box), got " + nmsIou);
        }
        if (!(minSize >= 0) || Double.isInfinite(minSize)) {
            throw new IllegalArgumentException("minimum box size must be >= 0 pixels, got " + minSize);
        }
        if (maxBoxes < 0) {
            throw new IllegalArgumentException("max boxes must be >= 0 (0 = all), got " + maxBoxes);
        }
        queries = List.copyOf(queries);
        for (String q : queries) {
            if (q.isBlank()) {
                throw new IllegalArgumentException("empty text query in " + queries);
            }
        }
    }

    public static DetectorSettings defaults() {
        return new DetectorSettings(DEFAULT_THRESHOLD, DEFAULT_NMS_IOU, DEFAULT_MIN_SIZE, DEFAULT_MAX_BOXES, List.of());
    }

    public DetectorSettings withThreshold(double t) {
        return new DetectorSettings(t, nmsIou, minSize, maxBoxes, queries);
    }

    public DetectorSettings withNmsIou(double iou) {
        return new DetectorSettings(threshold, iou, minSize, maxBoxes, queries);
    }

    public DetectorSettings withMinSize(double px) {
        return new DetectorSettings(threshold, nmsIou, px, maxBoxes, queries);
    }

    public DetectorSettings withMaxBoxes(int n) {
        return new DetectorSettings(threshold, nmsIou, minSize, n, queries);
    }

    public DetectorSettings withQueries(List<String> q) {
        return new DetectorSettings(threshold, nmsIou, minSize, maxBoxes, q);
    }

    /** Queries from a comma-separated list ("a dog, a red ball"), blanks around each trimmed. */
    public static List<String> parseQueries(String commaSeparated) {
        List<String> out = new java.util.ArrayList<>();
        for (String q : commaSeparated.split(",", -1)) {
            if (q.isBlank()) {
                throw new IllegalArgumentException("--queries \"" + commaSeparated + "\" has an empty query");
            }
            out.add(q.strip());
        }
        return out;
    }

    /** One line for store settings and reports, e.g. {@code threshold=0.1 nms=0.3 min_size=8.0 max_boxes=10 objectness}. */
    public String describe() {
        return String.format(Locale.ROOT, "threshold=%s nms=%s min_size=%s max_boxes=%d %s", threshold, nmsIou,
                minSize, maxBoxes, queries.isEmpty() ? "objectness" : "queries=" + String.join("|", queries));
    }
}
