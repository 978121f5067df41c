package org.qpert.index;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.qpert.core.retrieval.Progress;
import org.qpert.engine.RetrievalEngine;
import org.qpert.engine.Searcher;
import org.qpert.engine.StoredImage;
import org.qpert.loaders.store.EmbeddingStore;

/**
 * Text search over a store through its Lucene index: the ITC top from the index (exact scan or HNSW), then ITM
 * re-ranking of the top k from the store's Z, scored as the in-memory search does (ITM + ITC inside the top k,
 * −100 + ITC below it).
 */
public final class IndexedSearch {
    private IndexedSearch() {
    }

    /** {@code STORE/lucene}. */
    public static Path indexDir(EmbeddingStore store) {
        return store.dir().resolve(VectorIndex.DIR_NAME);
    }

    /** Builds {@code STORE/lucene} from the store's ITC features (plain, and perturbed when stored). */
    public static Path build(EmbeddingStore store, boolean int8) throws IOException {
        List<String> ids = store.ids();
        if (ids.isEmpty()) {
            throw new IllegalArgumentException("store " + store.dir() + " holds no images");
        }
        int[] shape = store.spec().shape(StoredImage.ITC);
        boolean perturbed = store.spec().fieldNames().contains(StoredImage.ITC_QPERT);
        Path dir = indexDir(store);
        VectorIndex.build(dir, ids, store.readAll(StoredImage.ITC), perturbed ? store.readAll(StoredImage.ITC_QPERT)
                : null, shape[0], shape[1], int8, Progress.logging("index", ids.size(), "images"));
        return dir;
    }

    /** The best {@code top} images for {@code text}, the ITC top {@code itmK} re-ranked by ITM (0 = ITC only). */
    public static List<Searcher.Hit> text(RetrievalEngine engine, EmbeddingStore store, VectorIndex index,
            VectorIndex.Mode mode, String text, int itmK, int top) throws IOException {
        if (top < 1 || itmK < 0) {
            throw new IllegalArgumentException("top must be >= 1 and itm-k >= 0, got " + top + " and " + itmK);
        }
        boolean perturbed = engine.perturbs();
        float[] feature = engine.textFeatures(List.of(text));
        List<VectorIndex.Hit> hits = index.search(feature, Math.max(top, itmK), perturbed, mode);
        List<RetrievalEngine.ItmQuery> pairs = new ArrayList<>();
        for (VectorIndex.Hit h : hits.subList(0, Math.min(itmK, hits.size()))) {
            StoredImage m = StoredImage.of(store, h.id());
            pairs.add(new RetrievalEngine.ItmQuery(store.read(h.id(), StoredImage.Z), m.height(), m.width(),
                    m.boxes(), text));
        }
        float[] itm = engine.itm(pairs, perturbed);
        List<Searcher.Hit> reranked = new ArrayList<>();
        List<Searcher.Hit> rest = new ArrayList<>();
        for (int r = 0; r < hits.size(); r++) {
            VectorIndex.Hit h = hits.get(r);
            if (r < itmK) {
                reranked.add(new Searcher.Hit(h.ord(), h.id(), itm[r] + h.itc(), h.itc()));
            } else {
                rest.add(new Searcher.Hit(h.ord(), h.id(), itmK == 0 ? h.itc() : -100 + h.itc(), h.itc()));
            }
        }
        // Stable: equal scores keep the ITC order, whose ties are in gallery order.
        reranked.sort((a, b) -> Float.compare(b.score(), a.score()));
        reranked.addAll(rest);
        return reranked.subList(0, Math.min(top, reranked.size()));
    }
}
