package org.qpert.engine;

import org.qpert.loaders.store.EmbeddingStore;

/**
 * How deep ITM re-ranks, decided in one place from what the model can do (a pair scorer, on its card) and what the
 * store keeps (Z), so that every command, the server and the library default and refuse alike.
 */
public final class Rerank {

    private Rerank() {
    }

    /**
     * The re-ranking depth for a request of {@code requested} (null: not asked): not asked gives {@code pairDefault}
     * where pairs can be scored, else 0 (ITC only); asked for more than 0 where they cannot is refused, saying why.
     *
     * @param store the store the images come from, or null when they are embedded on the spot (no Z needed)
     */
    public static int depth(RetrievalEngine engine, EmbeddingStore store, Integer requested, int pairDefault) {
        boolean possible = possible(engine, store);
        if (requested == null) {
            return possible ? pairDefault : 0;
        }
        if (requested < 0) {
            throw new IllegalArgumentException("re-ranking depth must be >= 0, got " + requested);
        }
        if (requested > 0 && !possible) {
            throw impossible(engine, store);
        }
        return requested;
    }

    /** Whether ITM can re-rank: the model scores pairs and, for stored images, the store keeps Z. */
    public static boolean possible(RetrievalEngine engine, EmbeddingStore store) {
        return engine.scoresPairs() && (store == null || StoredImage.hasZ(store));
    }

    /** The error for re-ranking asked where {@link #possible} is false. */
    static IllegalArgumentException impossible(RetrievalEngine engine, EmbeddingStore store) {
        if (!engine.scoresPairs()) {
            return new IllegalArgumentException("a " + engine.card().family() + " model has no pair scorer (ITM) to "
                    + "re-rank with: rank by ITC alone (rerank 0 / --itm-k 0)");
        }
        return new IllegalArgumentException("store " + store.dir() + " keeps no ViT output Z (made with --store-z "
                + "none), which ITM re-ranking reads: ask for no re-ranking (rerank 0 / --itm-k 0)");
    }
}
