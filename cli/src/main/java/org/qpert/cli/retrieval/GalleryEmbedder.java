package org.qpert.cli.retrieval;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.qpert.core.retrieval.Progress;
import org.qpert.loaders.store.EmbeddingStore;

/**
 * Embeds the gallery images that a store does not hold yet, a batch at a time (images of a batch in parallel), and
 * writes each batch to the store as soon as it is done: an interrupted run resumes with the next missing image.
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
        List<GalleryImage> missing = images.stream().filter(g -> !store.contains(g.id())).toList();
        Progress progress = Progress.logging("embed", images.size(), "images");
        progress.resumedFrom(images.size() - missing.size());
        for (int from = 0; from < missing.size(); from += batchSize) {
            List<GalleryImage> batch = missing.subList(from, Math.min(missing.size(), from + batchSize));
            List<RetrievalEngine.EmbeddedImage> done = batch.parallelStream()
                    .map(g -> engine.embed(g.file(), g.boxes())).toList();
            for (int j = 0; j < batch.size(); j++) {
                GalleryImage g = batch.get(j);
                RetrievalEngine.EmbeddedImage e = done.get(j);
                Map<String, float[]> values = new java.util.LinkedHashMap<>();
                values.put(StoredImage.Z, e.imageEmbeds());
                values.put(StoredImage.ITC, e.features());
                if (engine.perturbs()) {
                    values.put(StoredImage.ITC_QPERT, e.perturbedFeatures());
                }
                store.add(g.id(), values, new StoredImage(e.height(), e.width(), g.annotated(), g.boxes()).toJson());
            }
            store.flush();
            progress.advance(batch.size());
        }
        progress.finish();
        return missing.size();
    }
}
