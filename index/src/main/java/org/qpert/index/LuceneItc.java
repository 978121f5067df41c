package org.qpert.index;

import java.io.IOException;
import java.util.List;
import org.qpert.engine.ItcIndex;
import org.qpert.loaders.store.EmbeddingStore;

/**
 * The ITC ranking a {@link org.qpert.engine.GalleryIndex} takes from a store's Lucene index, searched exactly or as
 * an HNSW graph: read-only over a {@link VectorIndex} (a search), or over a {@link StoreIndex} that follows the images
 * added to the store (a service that is the store's writer). Closing it closes the index.
 */
public final class LuceneItc implements ItcIndex, AutoCloseable {
    private final VectorIndex reader;
    private final StoreIndex writer;
    private final VectorIndex.Mode mode;
    /** HNSW candidates; 0: {@link VectorIndex#defaultCandidates}. */
    private final int candidates;

    private LuceneItc(VectorIndex reader, StoreIndex writer, VectorIndex.Mode mode, int candidates) {
        if (candidates < 0) {
            throw new IllegalArgumentException("HNSW candidates must be positive, got " + candidates);
        }
        this.reader = reader;
        this.writer = writer;
        this.mode = mode;
        this.candidates = candidates;
    }

    static LuceneItc reading(VectorIndex index, VectorIndex.Mode mode, int candidates) {
        return new LuceneItc(index, null, mode, candidates);
    }

    static LuceneItc following(StoreIndex index, VectorIndex.Mode mode, int candidates) {
        return new LuceneItc(null, index, mode, candidates);
    }

    public VectorIndex.Mode mode() {
        return mode;
    }

    @Override
    public List<Hit> top(float[] textFeature, int k, boolean perturbed) throws IOException {
        // Asked-for candidates below k would be refused; a top k larger than them widens the walk to k.
        int c = candidates == 0 ? VectorIndex.defaultCandidates(k) : Math.max(candidates, k);
        List<VectorIndex.Hit> hits = writer != null ? writer.search(textFeature, k, perturbed, mode, c)
                : reader.search(textFeature, k, perturbed, mode, c);
        return hits.stream().map(h -> new Hit(h.ord(), h.id(), h.itc())).toList();
    }

    @Override
    public void committed(EmbeddingStore store) throws IOException {
        if (writer == null) {
            throw new IllegalStateException("the index of store " + store.dir() + " was opened for searching only");
        }
        writer.committed(store);
    }

    @Override
    public String describe() {
        return "lucene " + mode.name().toLowerCase(java.util.Locale.ROOT)
                + (mode == VectorIndex.Mode.HNSW && candidates > 0 ? " (" + candidates + " candidates)" : "");
    }

    @Override
    public void close() throws IOException {
        if (writer != null) {
            writer.close();
        } else {
            reader.close();
        }
    }
}
