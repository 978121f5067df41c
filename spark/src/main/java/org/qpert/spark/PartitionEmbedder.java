package org.qpert.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import org.qpert.engine.DetectMode;
import org.qpert.engine.EmbedSummary;
import org.qpert.engine.GalleryEmbedder;
import org.qpert.engine.GalleryImage;
import org.qpert.engine.RetrievalEngine;
import org.qpert.engine.StoreZ;
import org.qpert.engine.StoredImage;
import org.qpert.loaders.store.EmbeddingStore;
import scala.Tuple2;

/**
 * The work of one Spark partition, on an executor: its images (a fixed range of manifest rows) go into a store of its
 * own, {@code parts/part-NNNNNN}, through the same {@link GalleryEmbedder} as a single-JVM run (batches of
 * {@code batch} images per model pass, one shard per batch). That store is resumable like any other: a task killed
 * halfway leaves its finished batches, and the retry embeds only the rest. A part that already holds every image of
 * the partition, with the boxes the manifest gives now, is complete: the partition is skipped without loading a model.
 */
final class PartitionEmbedder {
    private PartitionEmbedder() {
    }

    static Path partDir(Path parts, int partition) {
        return parts.resolve(String.format(java.util.Locale.ROOT, "part-%06d", partition));
    }

    static PartResult embed(int partition, Iterator<Tuple2<Long, ManifestEntry>> rows, Path parts,
                            ModelSettings model, int batch, GalleryEmbedder.OnError onError, StoreZ storeZ)
            throws IOException {
        List<ManifestEntry> entries = new ArrayList<>();
        rows.forEachRemaining(t -> entries.add(t._2()));
        entries.sort(Comparator.comparingLong(ManifestEntry::row));
        List<GalleryImage> images = entries.stream().map(ManifestEntry::toGalleryImage).toList();
        Path dir = partDir(parts, partition);
        if (complete(dir, images, model.detectMode())) {
            return new PartResult(partition, images.size(), true, 0, new LinkedHashMap<>());
        }
        RetrievalEngine engine = ExecutorEngines.get(model);
        try (EmbeddingStore store = EmbeddingStore.open(dir, StoredImage.spec(engine, storeZ), batch)) {
            requireOnlyTheseImages(store, images, dir);
            EmbedSummary summary = GalleryEmbedder.embedMissing(engine, images, store, batch, onError);
            return new PartResult(partition, images.size(), false, summary.embedded(),
                    new LinkedHashMap<>(summary.failed()));
        }
    }

    /**
     * Whether the part in {@code dir} holds every image, each with the boxes it would be embedded with now (the
     * manifest's, unless the detector supplies them), and its shards are intact. Reads the part only.
     */
    private static boolean complete(Path dir, List<GalleryImage> images, DetectMode detect) throws IOException {
        if (!Files.exists(dir.resolve(EmbeddingStore.INDEX)) || !EmbeddingStore.verify(dir).intact()) {
            return false;
        }
        try (EmbeddingStore part = EmbeddingStore.openExisting(dir)) {
            requireOnlyTheseImages(part, images, dir);
            for (GalleryImage g : images) {
                if (!part.contains(g.id())) {
                    return false;
                }
                boolean detected = detect != null && detect.detects(g.annotated());
                StoredImage stored = StoredImage.of(part, g.id());
                if (!detected && (stored.annotated() != g.annotated() || !stored.boxes().equals(g.boxes()))) {
                    return false;
                }
            }
            return true;
        }
    }

    /** A part holding images its rows no longer list was made from another manifest: merging it would be wrong. */
    private static void requireOnlyTheseImages(EmbeddingStore part, List<GalleryImage> images, Path dir) {
        Set<String> ids = new HashSet<>();
        images.forEach(g -> ids.add(g.id()));
        for (String id : part.ids()) {
            if (!ids.contains(id)) {
                throw new IllegalArgumentException("store part " + dir + " holds image '" + id + "', which its "
                        + "manifest rows no longer list: the manifest changed since that run; delete " + dir.getParent()
                        + " (or use another store) and run again");
            }
        }
    }
}
