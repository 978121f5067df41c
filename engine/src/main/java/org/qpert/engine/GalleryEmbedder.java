package org.qpert.engine;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.qpert.core.retrieval.Progress;
import org.qpert.loaders.store.EmbeddingStore;

/**
 * Embeds the gallery images that a store does not hold yet, a batch at a time (the images of a batch stacked through
 * the model in one pass, {@link RetrievalEngine#embedAll}), and writes each batch to the store as soon as it is done:
 * an interrupted run resumes with the next missing image. An image already stored must have been stored with the same
 * boxes, unless the engine detects its boxes: then the store's detector settings (part of the engine's store settings)
 * vouch for them. Detection runs per batch too, so an interrupted run loses at most one batch of detections.
 */
public final class GalleryEmbedder {
    private GalleryEmbedder() {
    }

    /** What a failing image does to the run. */
    public enum OnError {
        /** Stop the run with the image's error (the default: nothing is skipped silently). */
        STOP,
        /** Record the image and its reason in the store and the summary, and go on; a later run retries it. */
        SKIP
    }

    /** Returns the number of images embedded now (0 when the store already had them all); stops at a failing image. */
    public static int embedMissing(RetrievalEngine engine, List<GalleryImage> images, EmbeddingStore store,
                                   int batchSize) throws IOException {
        return embedMissing(engine, images, store, batchSize, OnError.STOP).embedded();
    }

    /**
     * Embeds the images {@code store} lacks (including those that failed before) and says what happened. Images
     * whose file size disagrees with their annotation's recorded size are embedded and reported as a warning.
     */
    public static EmbedSummary embedMissing(RetrievalEngine engine, List<GalleryImage> images, EmbeddingStore store,
                                            int batchSize, OnError onError) throws IOException {
        return embedMissing(engine, images, store, batchSize, onError, null);
    }

    /**
     * As {@link #embedMissing(RetrievalEngine, List, EmbeddingStore, int, OnError)}, telling {@code listener} (null:
     * nobody) after each batch is on disk, e.g. to add the batch to a search index.
     */
    public static EmbedSummary embedMissing(RetrievalEngine engine, List<GalleryImage> images, EmbeddingStore store,
                                            int batchSize, OnError onError, StoreListener listener)
            throws IOException {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        for (GalleryImage g : images) {
            if (store.contains(g.id()) && !engine.detects(g)) {
                requireSameBoxes(store, g);
            }
        }
        EmbedSummary summary = new EmbedSummary();
        List<GalleryImage> missing = images.stream().filter(g -> !store.contains(g.id())).toList();
        summary.alreadyStored(images.size() - missing.size());
        List<String> sizeMismatches = new ArrayList<>();
        Progress progress = Progress.logging("embed", images.size(), "images");
        progress.resumedFrom(images.size() - missing.size());
        for (int from = 0; from < missing.size(); from += batchSize) {
            List<GalleryImage> batch = missing.subList(from, Math.min(missing.size(), from + batchSize));
            List<Outcome> done = embedBatch(engine, batch, onError);
            for (int j = 0; j < batch.size(); j++) {
                Outcome o = done.get(j);
                if (o.failure() != null) {
                    summary.failed(batch.get(j).id(), o.failure());
                    store.recordFailure(batch.get(j).id(), o.failure());
                    continue;
                }
                GalleryImage g = o.boxed();
                RetrievalEngine.EmbeddedImage e = o.embedded();
                Map<String, float[]> values = StoredImage.values(store.spec(), e, engine.perturbs());
                store.add(g.id(), values, new StoredImage(e.height(), e.width(), g.annotated(), g.boxes(),
                        g.file().toAbsolutePath().normalize().toString()).toJson());
                summary.embedded(g, o.detected());
                GalleryImage given = batch.get(j);
                if (!o.detected() && given.annotatedWidth() > 0
                        && (given.annotatedWidth() != e.width() || given.annotatedHeight() != e.height())) {
                    sizeMismatches.add(g.id() + " is " + e.width() + "x" + e.height() + ", its boxes are for "
                            + given.annotatedWidth() + "x" + given.annotatedHeight());
                }
            }
            store.flush();
            if (listener != null) {
                listener.committed(store);
            }
            progress.advance(batch.size());
        }
        progress.finish();
        if (!sizeMismatches.isEmpty()) {
            summary.warn(sizeMismatches.size() + " image(s) differ in size from their box annotation (boxes may be "
                    + "misplaced), e.g. " + sizeMismatches.get(0));
        }
        return summary;
    }

    /** An image with the boxes it was embedded with and its embedding, or (with SKIP) why it failed. */
    private record Outcome(GalleryImage boxed, boolean detected, RetrievalEngine.EmbeddedImage embedded,
                           String failure) {
    }

    /**
     * Detection per image, then the whole batch through the model in one pass ({@link RetrievalEngine#embedAll});
     * when that pass fails, image by image so that one bad image fails alone.
     */
    private static List<Outcome> embedBatch(RetrievalEngine engine, List<GalleryImage> batch, OnError onError) {
        try {
            List<Boolean> detected = batch.stream().map(engine::detects).toList();
            List<GalleryImage> boxed = batch.parallelStream().map(engine::withBoxes).toList();
            List<RetrievalEngine.EmbeddedImage> embedded = engine.embedAll(
                    boxed.stream().map(GalleryImage::file).toList(), boxed.stream().map(GalleryImage::boxes).toList());
            List<Outcome> out = new java.util.ArrayList<>(batch.size());
            for (int j = 0; j < batch.size(); j++) {
                out.add(new Outcome(boxed.get(j), detected.get(j), embedded.get(j), null));
            }
            return out;
        } catch (RuntimeException e) {
            if (onError == OnError.STOP && batch.size() == 1) {
                throw e;
            }
            return batch.stream().map(g -> embedOne(engine, g, onError)).toList();
        }
    }

    /** Detection (when the engine detects this image's boxes), then the embedding. */
    private static Outcome embedOne(RetrievalEngine engine, GalleryImage g, OnError onError) {
        try {
            boolean detected = engine.detects(g);
            GalleryImage boxed = engine.withBoxes(g);
            return new Outcome(boxed, detected, engine.embed(boxed.file(), boxed.boxes()), null);
        } catch (RuntimeException e) {
            if (onError == OnError.STOP) {
                throw e;
            }
            return new Outcome(g, false, null, reason(e));
        }
    }

    private static String reason(Throwable e) {
        String m = e.getMessage();
        if (e.getCause() instanceof java.nio.file.FileSystemException fs && (m == null || m.contains(fs.toString()))) {
            return fs.getFile() + ": " + (fs.getReason() != null ? fs.getReason() : "cannot be read");
        }
        return m == null || m.isBlank() ? "failed without a message" : m;
    }

    /** Stored features depend on the boxes, so an image stored with other boxes cannot be reused. */
    private static void requireSameBoxes(EmbeddingStore store, GalleryImage g) {
        StoredImage stored = StoredImage.of(store, g.id());
        if (stored.annotated() != g.annotated() || !stored.boxes().equals(g.boxes())) {
            throw new IllegalArgumentException("store " + store.dir() + " holds image '" + g.id() + "' embedded with "
                    + "other boxes (" + stored.boxes().size() + " stored, " + g.boxes().size() + " given); use "
                    + "another store directory or delete this one");
        }
    }
}
