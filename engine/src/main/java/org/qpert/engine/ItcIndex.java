package org.qpert.engine;

import java.io.IOException;
import java.util.List;

/**
 * An ITC ranking of a store's images kept outside the heap (the Lucene index of module {@code index}), for galleries
 * whose features do not fit in memory. It must hold the store's images in store order; as a {@link StoreListener} it
 * follows images added to the store.
 */
public interface ItcIndex extends StoreListener {
    /**
     * One image found.
     *
     * @param index position in the store
     * @param itc   best cosine of its query vectors with the text feature
     */
    record Hit(int index, String id, float itc) {
    }

    /**
     * The best {@code k} images for an L2-normalized text feature, best first, ties by store order;
     * {@code perturbed} ranks by the Q-Perturbation features.
     */
    List<Hit> top(float[] textFeature, int k, boolean perturbed) throws IOException;

    /** Says how it searches, for logs and health checks (e.g. {@code lucene exact}). */
    String describe();
}
