package org.qpert.index;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.qpert.core.retrieval.Progress;
import org.qpert.engine.StoredImage;
import org.qpert.loaders.store.EmbeddingStore;

/**
 * What {@code --index none|exact|hnsw|auto} means for a store: building its index, and opening it for a search (read
 * only) or for a service that adds images (following the store). {@code none} ranks in memory (null here);
 * {@code auto} is {@code exact} when the store has an index, {@code none} otherwise.
 */
public final class IndexedSearch {
    private static final System.Logger LOG = System.getLogger(IndexedSearch.class.getName());

    private IndexedSearch() {
    }

    /** {@code STORE/lucene}. */
    public static Path indexDir(EmbeddingStore store) {
        return StoreIndex.dir(store);
    }

    /**
     * Builds {@code STORE/lucene} afresh from the store's ITC features (plain, and perturbed when stored), with every
     * core; the commit records the store's images, so it is in step with the store (see {@link StoreIndex}).
     */
    public static Path build(EmbeddingStore store, boolean int8) throws IOException {
        List<String> ids = store.ids();
        if (ids.isEmpty()) {
            throw new IllegalArgumentException("store " + store.dir() + " holds no images");
        }
        int[] shape = store.spec().shape(StoredImage.ITC);
        boolean perturbed = store.spec().fieldNames().contains(StoredImage.ITC_QPERT);
        Path dir = indexDir(store);
        // Image by image from the store's shards: a large store's features do not fit in memory together.
        VectorIndex.build(dir, ids, new VectorIndex.ImageVectors() {
            @Override
            public float[] plain(int ord) {
                return store.read(ids.get(ord), StoredImage.ITC);
            }

            @Override
            public float[] perturbed(int ord) {
                return perturbed ? store.read(ids.get(ord), StoredImage.ITC_QPERT) : null;
            }
        }, shape[0], shape[1], int8, Progress.logging("index", ids.size(), "images"));
        return dir;
    }

    /** The mode {@code flag} asks for on this store, null for the in-memory ranking. */
    static VectorIndex.Mode mode(String flag, EmbeddingStore store) {
        String f = flag.toLowerCase(Locale.ROOT);
        boolean indexed = Files.isDirectory(indexDir(store));
        if (f.equals("none") || f.equals("auto") && !indexed) {
            return null;
        }
        if (!f.equals("auto") && !f.equals("exact") && !f.equals("hnsw")) {
            throw new IllegalArgumentException("--index must be none, exact, hnsw or auto, got '" + flag + "'");
        }
        if (!indexed) {
            throw new IllegalArgumentException("--index " + f + ": store " + store.dir() + " has no index (build it "
                    + "with qpert index " + store.dir() + ", or embed with --index)");
        }
        return VectorIndex.Mode.parse(f.equals("auto") ? "exact" : f);
    }

    /**
     * The index for a search that only reads the store, or null for the in-memory ranking. An index not in step with
     * the store (images embedded without --index, or an embed running now) is refused when asked for by name, and
     * skipped with a warning under {@code auto}.
     */
    public static LuceneItc forSearch(EmbeddingStore store, String flag) throws IOException {
        return forSearch(store, flag, 0);
    }

    /**
     * As {@link #forSearch(EmbeddingStore, String)}, the HNSW walk keeping {@code candidates} images (0: {@link
     * VectorIndex#defaultCandidates}).
     */
    public static LuceneItc forSearch(EmbeddingStore store, String flag, int candidates) throws IOException {
        VectorIndex.Mode mode = mode(flag, store);
        if (mode == null) {
            return null;
        }
        VectorIndex index = VectorIndex.open(indexDir(store));
        if (!index.inStepWith(store.ids())) {
            String problem = "the index of store " + store.dir() + " holds " + index.size() + " images, not the "
                    + store.ids().size() + " the store lists (" + (store.leftOut().isEmpty() ? ""
                    : "the store left out a corrupt shard's images, see above; ") + "bring it up to date with qpert "
                    + "index " + store.dir() + ")";
            index.close();
            if (!flag.equalsIgnoreCase("auto")) {
                throw new IllegalArgumentException(problem);
            }
            LOG.log(System.Logger.Level.WARNING, problem + "; searching in memory instead");
            return null;
        }
        return LuceneItc.reading(index, mode, candidates);
    }

    /**
     * The index for a service that is the store's writer, or null for the in-memory ranking: brought in step with the
     * store (catching up or rebuilt, see {@link StoreIndex}) and following the images added to it.
     */
    public static LuceneItc forWriter(EmbeddingStore store, String flag) throws IOException {
        return forWriter(store, flag, 0);
    }

    /** As {@link #forWriter(EmbeddingStore, String)}, with {@code candidates} as in {@link #forSearch}. */
    public static LuceneItc forWriter(EmbeddingStore store, String flag, int candidates) throws IOException {
        VectorIndex.Mode mode = mode(flag, store);
        return mode == null ? null : LuceneItc.following(StoreIndex.open(store), mode, candidates);
    }
}
