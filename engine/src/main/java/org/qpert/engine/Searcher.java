package org.qpert.engine;

import java.nio.file.Path;
import java.util.List;
import org.qpert.core.qpert.Box;
import org.qpert.loaders.store.EmbeddingStore;

/**
 * One query against a gallery, with the engine's perturbation setting: ITC for all, ITM re-ranking of the top-k
 * (0 = ITC only), best first. For many queries keep a {@link GalleryIndex} or {@link CaptionIndex} instead.
 */
public final class Searcher {
    private Searcher() {
    }

    /**
     * One result.
     *
     * @param index position in the gallery (store order for images, list order for captions)
     * @param label image id or caption
     * @param score final score (ITM + ITC inside the top-k, −100 + ITC outside; ITC when k = 0)
     * @param itc   the ITC score alone
     */
    public record Hit(int index, String label, float score, float itc) {
    }

    /** A text against the images of a store (perturbed features when the store and engine have them). */
    public static List<Hit> text(RetrievalEngine engine, EmbeddingStore store, String text, int itmK, int top) {
        return text(engine, store, null, text, itmK, top);
    }

    /** As {@link #text(RetrievalEngine, EmbeddingStore, String, int, int)}, ranked by {@code itc} (null: in memory). */
    public static List<Hit> text(RetrievalEngine engine, EmbeddingStore store, ItcIndex itc, String text, int itmK,
                                 int top) {
        if (store.ids().isEmpty()) {
            throw new IllegalArgumentException("store " + store.dir() + " holds no images");
        }
        GalleryIndex gallery = itc == null ? GalleryIndex.load(engine, store) : GalleryIndex.load(engine, store, itc);
        return gallery.searchText(text, top, itmK, engine.perturbs()).stream()
                .map(r -> new Hit(r.index(), r.id(), r.score(), r.itc())).toList();
    }

    /**
     * An image against captions, with its boxes (none given = unannotated: the engine's detector, if any, finds
     * them).
     */
    public static List<Hit> image(RetrievalEngine engine, Path file, List<Box> given, List<String> captions, int itmK,
                                  int top) {
        return CaptionIndex.of(engine, captions).search(file, given, top, itmK, engine.perturbs()).stream()
                .map(r -> new Hit(r.index(), r.caption(), r.score(), r.itc())).toList();
    }
}
