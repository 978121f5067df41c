package org.qpert.engine;

import java.io.IOException;
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

    /** Returns the number of images embedded now (0 when the store already had them all). */
    public static int embedMissing(RetrievalEngine engine, List<GalleryImage> images, EmbeddingStore store,
                                   int batchSize) throws IOException {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        for (GalleryImage g : images) {
            if (store.contains(g.id()) && !engine.detects(g)) {
                requireSameBoxes(store, g);
            }
        }
        List<GalleryImage> missing = images.stream().filter(g -> !store.contains(g.id())).toList();
        Progress progress = Progress.logging("embed", images.size(), "images");
        progress.resumedFrom(images.size() - missing.size());
        for (int from = 0; from < missing.size(); from += batchSize) {
            List<GalleryImage> batch = missing.subList(from, Math.min(missing.size(), from + batchSize));
            List<GalleryImage> boxed = batch.parallelStream().map(engine::withBoxes).toList();
            List<RetrievalEngine.EmbeddedImage> done = engine.embedAll(boxed.stream().map(GalleryImage::file).toList(),
                    boxed.stream().map(GalleryImage::boxes).toList());
            for (int j = 0; j < batch.size(); j++) {
                GalleryImage g = boxed.get(j);
                RetrievalEngine.EmbeddedImage e = done.get(j);
                Map<String, float[]> values = new java.util.LinkedHashMap<>();
                values.put(StoredImage.Z, e.imageEmbeds());
                values.put(StoredImage.ITC, e.features());
                if (engine.perturbs()) {
                    values.put(StoredImage.ITC_QPERT, e.perturbedFeatures());
                }
                store.add(g.id(), values, new StoredImage(e.height(), e.width(), g.annotated(), g.boxes(),
                        g.file().toAbsolutePath().normalize().toString()).toJson());
            }
            store.flush();
            progress.advance(batch.size());
        }
        progress.finish();
        return missing.size();
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
