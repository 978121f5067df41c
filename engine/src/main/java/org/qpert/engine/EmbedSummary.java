package org.qpert.engine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one embedding run did: images embedded now and already stored, images that failed (id → reason) with
 * {@link GalleryEmbedder.OnError#SKIP}, where the embedded images' boxes came from, and warnings about the inputs.
 * The box sources count the images embedded in this run: from the detector (the engine detected the image's boxes),
 * from annotations (a boxes file, a dataset annotation or boxes given by the caller) and none (no box at all).
 */
public final class EmbedSummary {
    private int embedded;
    private int alreadyStored;
    private int fromAnnotations;
    private int fromDetector;
    private int noBoxes;
    private final Map<String, String> failed = new LinkedHashMap<>();
    private final List<String> warnings = new ArrayList<>();

    synchronized void embedded(GalleryImage g, boolean detected) {
        embedded++;
        if (g.boxes().isEmpty()) {
            noBoxes++;
        } else if (detected) {
            fromDetector++;
        } else {
            fromAnnotations++;
        }
    }

    synchronized void alreadyStored(int n) {
        alreadyStored += n;
    }

    synchronized void failed(String id, String reason) {
        failed.put(id, reason);
    }

    /** Adds a warning line (e.g. a boxes file that matches no image). */
    public synchronized void warn(String line) {
        warnings.add(line);
    }

    public synchronized int embedded() {
        return embedded;
    }

    public synchronized int alreadyStored() {
        return alreadyStored;
    }

    public synchronized int fromAnnotations() {
        return fromAnnotations;
    }

    public synchronized int fromDetector() {
        return fromDetector;
    }

    public synchronized int noBoxes() {
        return noBoxes;
    }

    /** Images that failed in this run, in order, with their reasons. */
    public synchronized Map<String, String> failed() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(failed));
    }

    public synchronized List<String> warnings() {
        return List.copyOf(warnings);
    }

    /** The run in a few lines: counts, box sources, then each failure and warning. */
    public synchronized List<String> lines() {
        List<String> out = new ArrayList<>();
        out.add(embedded + " embedded now, " + alreadyStored + " already there, " + failed.size() + " failed");
        out.add("boxes: " + fromAnnotations + " from annotations, " + fromDetector + " from the detector, " + noBoxes
                + " none");
        failed.forEach((id, reason) -> out.add("failed: " + id + ": " + reason));
        warnings.forEach(w -> out.add("warning: " + w));
        return out;
    }
}
