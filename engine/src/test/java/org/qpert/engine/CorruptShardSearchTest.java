package org.qpert.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.loaders.store.EmbeddingStore;

/**
 * A shard whose bytes changed after it was written is never ranked, by a search (a reader of the store) nor by a
 * service (its writer, as {@code serve} opens it), and the store says so in one warning naming the shard.
 */
class CorruptShardSearchTest {
    private static final String SHARD = "shard-000000.safetensors";

    /** Collects the warnings of the store's logger while a test runs. */
    static final class Warnings extends Handler implements AutoCloseable {
        private final Logger logger = Logger.getLogger(EmbeddingStore.class.getName());
        final List<String> messages = new ArrayList<>();

        Warnings() {
            logger.addHandler(this);
        }

        @Override
        public synchronized void publish(LogRecord r) {
            if (r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
                messages.add(r.getMessage());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            logger.removeHandler(this);
        }

        synchronized List<String> about(String shard) {
            return messages.stream().filter(m -> m.contains(shard)).toList();
        }
    }

    /** Four images in two shards of two; img0 and img1 in the first, whose last byte then gets a bit flipped. */
    private static FakeEngine storeWithCorruptFirstShard(Path dir) throws Exception {
        FakeEngine engine = new FakeEngine(false);
        List<GalleryImage> images = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            images.add(new GalleryImage("img" + i + ".png", Path.of("img" + i + ".png"), List.of(), false));
        }
        try (EmbeddingStore store = EmbeddingStore.open(dir, StoredImage.spec(engine), 2)) {
            GalleryEmbedder.embedMissing(engine, images, store, 2);
        }
        Path shard = dir.resolve(SHARD);
        byte[] bytes = Files.readAllBytes(shard);
        bytes[bytes.length - 1] ^= 0x40; // the high exponent bit of the shard's last float: same size, same header
        Files.write(shard, bytes);
        return engine;
    }

    private static List<String> ranked(GalleryIndex gallery) {
        return gallery.searchText("image 1 a", 4, 0, false).stream().map(GalleryIndex.Result::id).toList();
    }

    @Test
    void aSearchLeavesTheCorruptShardOutWithOneWarning(@TempDir Path dir) throws Exception {
        FakeEngine engine = storeWithCorruptFirstShard(dir);
        try (Warnings warnings = new Warnings();
             EmbeddingStore store = StoredImage.openForSearch(dir, engine)) {
            List<String> ids = ranked(GalleryIndex.load(engine, store));
            assertEquals(List.of("img2.png", "img3.png"), ids.stream().sorted().toList(),
                    "only the intact shard's images are ranked (img1, the query's own, is in the corrupt one)");
            List<String> about = warnings.about(SHARD);
            assertEquals(1, about.size(), warnings.messages.toString());
            assertTrue(about.get(0).contains("is corrupt (CRC32C") && about.get(0).contains("2 images are left out")
                    && about.get(0).contains("qpert store verify " + dir) && about.get(0).contains("qpert embed"),
                    about.get(0));
            assertEquals(1, store.leftOut().size());
        }
    }

    @Test
    void aServiceWritingTheStoreDropsTheCorruptShardWithOneWarning(@TempDir Path dir) throws Exception {
        FakeEngine engine = storeWithCorruptFirstShard(dir);
        try (Warnings warnings = new Warnings();
             EmbeddingStore store = EmbeddingStore.open(dir, StoredImage.spec(engine), 1)) {
            List<String> ids = ranked(GalleryIndex.load(engine, store));
            assertEquals(List.of("img2.png", "img3.png"), ids.stream().sorted().toList());
            List<String> about = warnings.about(SHARD);
            assertEquals(1, about.size(), warnings.messages.toString());
            assertTrue(about.get(0).contains("is corrupt (CRC32C") && about.get(0).contains("qpert embed"),
                    about.get(0));
        }
    }
}
