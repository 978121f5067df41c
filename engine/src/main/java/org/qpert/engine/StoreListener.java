package org.qpert.engine;

import java.io.IOException;
import org.qpert.loaders.store.EmbeddingStore;

/**
 * Told each time the store has written images to disk (a shard committed), e.g. to keep a search index in step with
 * it. Called by the thread that wrote them, after the store's index is on disk; a failure stops the run that wrote.
 */
@FunctionalInterface
public interface StoreListener {
    void committed(EmbeddingStore store) throws IOException;
}
