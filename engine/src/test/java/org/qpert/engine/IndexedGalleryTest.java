package org.qpert.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.loaders.store.EmbeddingStore;

/** A gallery ranked through an {@link ItcIndex}: scoring of its hits, images it has beyond the snapshot, a mismatch. */
class IndexedGalleryTest {
    /** Returns the hits it is given, and records each commit it is told about. */
    static final class ListedItc implements ItcIndex {
        final List<Hit> hits = new ArrayList<>();
        int commits;

        @Override
        public List<Hit> top(float[] textFeature, int k, boolean perturbed) {
            return hits.subList(0, Math.min(k, hits.size()));
        }

        @Override
        public void committed(EmbeddingStore store) {
            commits++;
        }

        @Override
        public String describe() {
            return "listed";
        }
    }

    @Test
    void hitsAreScoredAsInMemoryAndLaterImagesLeftOut(@TempDir Path dir) throws Exception {
        FakeEngine engine = new FakeEngine(false);
        List<GalleryImage> images = List.of(new GalleryImage("img0.png", Path.of("img0.png"), List.of(), false),
                new GalleryImage("img1.png", Path.of("img1.png"), List.of(), false),
                new GalleryImage("img2.png", Path.of("img2.png"), List.of(), false));
        try (EmbeddingStore store = EmbeddingStore.open(dir, StoredImage.spec(engine), 4)) {
            GalleryEmbedder.embedMissing(engine, images, store, 4);
            ListedItc itc = new ListedItc();
            GalleryIndex gallery = GalleryIndex.load(engine, store, itc);
            // Image 3 is in the index but not in the gallery's snapshot (added while this search ran): left out.
            itc.hits.addAll(List.of(new ItcIndex.Hit(3, "img3.png", 0.9f), new ItcIndex.Hit(1, "img1.png", 0.5f),
                    new ItcIndex.Hit(2, "img2.png", 0.5f), new ItcIndex.Hit(0, "img0.png", 0.1f)));
            List<GalleryIndex.Result> r = gallery.searchText("image 2 a", 3, 2, false);
            assertEquals(List.of("img2.png", "img1.png", "img0.png"), r.stream().map(GalleryIndex.Result::id).toList());
            assertEquals(1 + 0.5f, r.get(0).score(), 0f, "ITM 1 (its caption) + ITC, re-ranked first");
            assertEquals(0 + 0.5f, r.get(1).score(), 0f);
            assertEquals(-100 + 0.1f, r.get(2).score(), 0f, "outside the re-ranked top: -100 + ITC");
            assertEquals(null, r.get(2).itm());
            gallery.add("img3.png", Path.of("img3.png"), List.of(), false);
            assertEquals(1, itc.commits, "the index is told about the added image");
            assertEquals("img3.png", gallery.searchText("image 3 a", 1, 0, false).get(0).id());
            itc.hits.add(0, new ItcIndex.Hit(1, "img2.png", 1f));
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> gallery.searchText("image 2 a", 3, 0, false));
            assertTrue(e.getMessage().contains("not in step with store"), e.getMessage());
        }
    }
}
