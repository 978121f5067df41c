package org.qpert.loaders.store;

import java.util.List;

/**
 * What {@link EmbeddingStore#verify} found: shards listed in the index but absent, listed but damaged (with the
 * reason), and shard-like files the index does not list (left by an interrupted write; harmless, may be deleted).
 *
 * @param shards  shards listed in the index
 * @param images  images listed in the index
 * @param lost    images in missing or corrupt shards (a writer embeds them again)
 * @param failed  images a writer could not embed, with reasons
 */
public record StoreCheck(int shards, int images, List<String> missing, List<String> corrupt, List<String> orphaned,
                         int lost, java.util.Map<String, String> failed) {

    public StoreCheck {
        missing = List.copyOf(missing);
        corrupt = List.copyOf(corrupt);
        orphaned = List.copyOf(orphaned);
        failed = java.util.Map.copyOf(failed);
    }

    /** No missing or corrupt shard (orphans and recorded failures do not make a store unusable). */
    public boolean intact() {
        return missing.isEmpty() && corrupt.isEmpty();
    }
}
