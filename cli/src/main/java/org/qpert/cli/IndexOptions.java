package org.qpert.cli;

import java.io.IOException;
import org.qpert.index.IndexedSearch;
import org.qpert.index.LuceneItc;
import org.qpert.loaders.store.EmbeddingStore;
import picocli.CommandLine.Option;

/** How {@code search} and {@code serve} rank a store by ITC: in memory, or through its Lucene index. */
final class IndexOptions {
    @Option(names = "--index", paramLabel = "MODE", defaultValue = "auto",
            description = "none: the in-memory ITC over every stored image; exact / hnsw: the store's Lucene index "
                    + "(qpert index STORE or embed --index), scanned or walked as an HNSW graph; auto (default): "
                    + "exact when the store has an index in step with it, none otherwise.")
    String mode;

    @Option(names = "--candidates", paramLabel = "N",
            description = "With --index hnsw: images the graph walk keeps (at least the results asked for). More find "
                    + "more of the exact top k and take longer (default: max(4k, 100) for a top k).")
    Integer candidates;

    /** Checks the flags before any model loads. */
    void check() {
        if (candidates != null) {
            Flags.atLeast("--candidates", candidates, 1);
            if (!mode.equalsIgnoreCase("hnsw")) {
                throw new IllegalArgumentException("--candidates needs --index hnsw (got --index " + mode + ")");
            }
        }
    }

    /** The index a search reads, or null for the in-memory ranking. */
    LuceneItc forSearch(EmbeddingStore store) throws IOException {
        return IndexedSearch.forSearch(store, mode, candidates == null ? 0 : candidates);
    }

    /** The index a service that writes the store follows, or null for the in-memory ranking. */
    LuceneItc forWriter(EmbeddingStore store) throws IOException {
        return IndexedSearch.forWriter(store, mode, candidates == null ? 0 : candidates);
    }
}
