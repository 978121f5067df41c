package org.qpert.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.core.qpert.Box;
import org.qpert.loaders.safetensors.DType;
import org.qpert.loaders.store.EmbeddingStore;

/** --store-z: Z kept in 16 bits or left out, recorded in the store, and re-ranking refused without it. */
class StoreZTest {
    private static final List<GalleryImage> IMAGES = List.of(
            new GalleryImage("img0.png", Path.of("img0.png"), List.of(new Box(0, 0, 20, 20)), true),
            new GalleryImage("img1.png", Path.of("img1.png"), List.of(), false),
            new GalleryImage("img2.png", Path.of("img2.png"), List.of(), false));

    @Test
    void sixteenBitZIsStoredAsSuchAndReRanksAsF32(@TempDir Path dir) throws Exception {
        FakeEngine engine = new FakeEngine(true);
        for (StoreZ z : new StoreZ[] {StoreZ.F16, StoreZ.BF16}) {
            Path d = dir.resolve(z.toString());
            try (EmbeddingStore store = EmbeddingStore.open(d, StoredImage.spec(engine, d, z), 2)) {
                GalleryEmbedder.embedMissing(engine, IMAGES, store, 2);
                assertEquals(z.dtype(), store.spec().dtype(StoredImage.Z));
                // The fake Z holds small integers, exact in 16 bits: read back unchanged.
                assertArrayEquals(new float[] {1, 100, 100, 0}, store.read("img1.png", StoredImage.Z), 0f);
                GalleryIndex gallery = GalleryIndex.load(engine, store);
                assertTrue(gallery.canRerank());
                List<GalleryIndex.Result> r = gallery.searchText("image 2 a", 3, 3, true);
                assertEquals("img2.png", r.get(0).id());
                assertEquals(1f, r.get(0).itm(), 0f);
            }
            assertEquals(z, StoreZ.of(EmbeddingStore.readSpec(d).orElseThrow()), "recorded in index.json");
            // A writer that does not say keeps what the store has; one that says otherwise is refused.
            try (EmbeddingStore store = EmbeddingStore.open(d, StoredImage.spec(engine, d, null), 2)) {
                assertEquals(z.dtype(), store.spec().dtype(StoredImage.Z));
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> EmbeddingStore.open(d, StoredImage.spec(engine, d, StoreZ.F32), 2));
            assertTrue(e.getMessage().contains("field z: stored as F32 requested, " + z.dtype() + " in the store"),
                    e.getMessage());
            // A reader does not care how Z is stored.
            try (EmbeddingStore store = StoredImage.openForSearch(d, engine)) {
                assertEquals(3, store.ids().size());
            }
        }
        assertEquals(StoreZ.F32, StoreZ.of(StoredImage.spec(engine, dir.resolve("new"), null)), "new store: F32");
        assertEquals(DType.F32, StoredImage.spec(engine).dtype(StoredImage.Z));
    }

    @Test
    void withoutZSearchRanksByItcAndReRankingIsRefusedClearly(@TempDir Path dir) throws Exception {
        FakeEngine engine = new FakeEngine(true);
        try (EmbeddingStore store = EmbeddingStore.open(dir, StoredImage.spec(engine, dir, StoreZ.NONE), 2)) {
            GalleryEmbedder.embedMissing(engine, IMAGES, store, 2);
            assertFalse(store.spec().fieldNames().contains(StoredImage.Z));
            GalleryIndex gallery = GalleryIndex.load(engine, store);
            assertFalse(gallery.canRerank());
            List<GalleryIndex.Result> r = gallery.searchText("image 1 a", 3, 0, false);
            assertEquals("img1.png", r.get(0).id());
            assertNull(r.get(0).itm());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> gallery.searchText("image 1 a", 3, 2, false));
            assertTrue(e.getMessage().contains("keeps no ViT output Z (made with --store-z none)"), e.getMessage());
            gallery.add("img3.png", Path.of("img3.png"), List.of(), false);
            assertEquals(4, store.ids().size(), "adding works without Z");
        }
        assertEquals(StoreZ.NONE, StoreZ.of(EmbeddingStore.readSpec(dir).orElseThrow()));
        Gallery g = new Gallery(IMAGES, List.of("image 0 a", "image 1 a", "image 2 a"), new int[] {0, 1, 2});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Evaluator.evaluate(engine, g, dir, 4, 2, "t"));
        assertTrue(e.getMessage().contains("--itm-k 0"), e.getMessage());
        assertEquals(100.0, Evaluator.evaluate(engine, g, dir, 0, 2, "t").conditions().get(0).itc().all()
                .textToImage().r1(), 1e-9, "ITC only works");
        assertThrows(IllegalArgumentException.class, () -> StoreZ.parse("f8"));
    }
}
