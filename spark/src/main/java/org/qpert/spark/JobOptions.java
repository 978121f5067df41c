package org.qpert.spark;

import java.nio.file.Path;
import org.qpert.engine.GalleryEmbedder;
import org.qpert.engine.StoreZ;

/**
 * One run of {@link EmbedJob}.
 *
 * @param format        null: from the manifest's extension
 * @param batch         images per model pass, and per shard
 * @param partitionSize manifest rows per partition (consecutive rows; the last partition takes the rest). Fixed for a
 *                      store: re-runs must use the same value, since it decides which part holds which image
 * @param index         build STORE/lucene after the merge ({@code int8}: scalar-quantized vectors)
 * @param storeZ        how the store keeps each image's ViT output Z (float32, 16 bits, or not at all)
 */
public record JobOptions(Path manifest, String format, Path store, ModelSettings model, int batch, int partitionSize,
                         GalleryEmbedder.OnError onError, boolean index, boolean int8,
                         StoreZ storeZ) {
    public JobOptions {
        java.util.Objects.requireNonNull(storeZ, "storeZ");
        if (batch < 1) {
            throw new IllegalArgumentException("--batch must be at least 1, got " + batch);
        }
        if (partitionSize < 1) {
            throw new IllegalArgumentException("--partition-size must be at least 1, got " + partitionSize);
        }
        Manifest.Format.of(format, manifest);
    }
}
