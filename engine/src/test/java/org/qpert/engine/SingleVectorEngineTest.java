package org.qpert.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.core.model.ModelCard;
import org.qpert.core.retrieval.ItcScores;
import org.qpert.loaders.store.EmbeddingStore;
import org.qpert.loaders.store.StoreSpec;

/**
 * The engine driven by a single-vector model without a pair scorer: the store keeps no Z and one vector per image,
 * searches and evaluations rank by ITC alone, re-ranking is refused saying why, and stores of one family refuse the
 * other. {@link FakeEngine} is the multi-vector model with a pair scorer the other engine tests run.
 */
class SingleVectorEngineTest {

    private static List<GalleryImage> images(int n) {
        return java.util.stream.IntStream.range(0, n)
                .mapToObj(i -> new GalleryImage("img" + i + ".png", Path.of("img" + i + ".png"), List.of(), false))
                .toList();
    }

    @Test
    void theStoreFollowsTheCardNoZAndOneVectorPerImage(@TempDir Path dir) throws Exception {
        SingleVectorFakeEngine engine = new SingleVectorFakeEngine(true);
        StoreSpec spec = StoredImage.spec(engine, StoreZ.F32);
        assertEquals(List.of(StoredImage.ITC, StoredImage.ITC_QPERT), spec.fieldNames());
        assertEquals(List.of(1, 4), java.util.Arrays.stream(spec.shape(StoredImage.ITC)).boxed().toList());
        assertEquals("fake-single", spec.settings().get(StoredImage.FAMILY));
        try (EmbeddingStore store = EmbeddingStore.open(dir, spec, 2)) {
            assertEquals(3, GalleryEmbedder.embedMissing(engine, images(3), store, 2));
            assertFalse(StoredImage.hasZ(store));
        }
    }

    @Test
    void searchRanksByTheCosineAloneAndRerankingIsRefused(@TempDir Path dir) throws Exception {
        SingleVectorFakeEngine engine = new SingleVectorFakeEngine(false);
        try (EmbeddingStore store = EmbeddingStore.open(dir, StoredImage.spec(engine), 4)) {
            GalleryEmbedder.embedMissing(engine, images(4), store, 4);
            GalleryIndex gallery = GalleryIndex.load(engine, store);
            assertFalse(gallery.canRerank());
            assertEquals(0, Rerank.depth(engine, store, null, 16));
            // caption "image 2": images 1 (vector at 1, 2) and 2 (at 2, 3) both have cosine 1/√2; 1 comes first
            List<GalleryIndex.Result> hits = gallery.searchText("image 2 x", 4, 0, false);
            float[] text = engine.textFeatures(List.of("image 2 x"));
            for (GalleryIndex.Result h : hits) {
                assertEquals(ItcScores.itc(SingleVectorFakeEngine.vector(h.index()), text), h.itc(), 1e-7f);
                assertNull(h.itm());
            }
            assertEquals(List.of("img1.png", "img2.png"), hits.subList(0, 2).stream().map(GalleryIndex.Result::id)
                    .toList());
            assertEquals(0f, hits.get(2).itc(), 1e-7f);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> gallery.searchText("image 2 x", 4, 3, false));
            assertTrue(e.getMessage().contains("fake-single model has no pair scorer"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Rerank.depth(engine, store, 5, 16));
        }
    }

    @Test
    void captionSearchAndEvaluationAreItcOnly(@TempDir Path dir) throws Exception {
        SingleVectorFakeEngine engine = new SingleVectorFakeEngine(true);
        List<GalleryImage> images = images(3);
        Gallery g = new Gallery(images, List.of("image 0 a", "image 1 a", "image 2 a"), new int[] {0, 1, 2});
        EvalReport report = Evaluator.evaluate(engine, g, dir.resolve("store"), 0, 2, "single");
        assertEquals(0, report.itmK());
        // plain: caption "image k" ties images k-1 and k (cosine 1/√2); image 0 wins for k = 0 (alone) → r1 for k = 0
        // and, since ties go to the earlier image, captions 1 and 2 rank their image second
        assertEquals(100.0 / 3, report.conditions().get(0).itc().all().textToImage().r1(), 1e-9);
        assertThrows(IllegalArgumentException.class,
                () -> Evaluator.evaluate(engine, g, dir.resolve("store"), 64, 2, "single"));
        CaptionIndex captions = CaptionIndex.of(engine, g.captions());
        assertThrows(IllegalArgumentException.class,
                () -> captions.search(Path.of("img0.png"), List.of(), 2, 1, false));
        assertEquals(2, captions.search(Path.of("img0.png"), List.of(), 2, 0, false).size());
    }

    @Test
    void aStoreOfOneFamilyRefusesTheOtherSayingSo(@TempDir Path dir) throws Exception {
        try (EmbeddingStore store = EmbeddingStore.open(dir, StoredImage.spec(new FakeEngine(false)), 2)) {
            GalleryEmbedder.embedMissing(new FakeEngine(false), images(2), store, 2);
        }
        SingleVectorFakeEngine single = new SingleVectorFakeEngine(false);
        for (var open : List.<org.junit.jupiter.api.function.Executable>of(
                () -> StoredImage.openForSearch(dir, single).close(),
                () -> StoredImage.spec(single, dir, null))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, open);
            assertTrue(e.getMessage().contains("holds fake-multi embeddings and this model is fake-single"),
                    e.getMessage());
        }
    }

    @Test
    void aStoreWrittenBeforeFamiliesWereRecordedOpensAsBlip2s(@TempDir Path dir) throws Exception {
        RetrievalEngine blip2Like = new FakeEngine(false) {
            @Override
            public ModelCard card() {
                ModelCard c = FakeEngine.CARD;
                return new ModelCard("blip-2", "BLIP-2", c.queries(), c.width(), c.similarity(), c.pairScorer(), c.grid(),
                        c.imageEmbedsShape(), c.sites());
            }
        };
        StoreSpec now = StoredImage.spec(blip2Like);
        Map<String, String> before = new HashMap<>(now.settings());
        before.remove(StoredImage.FAMILY);
        before.remove(StoredImage.SITES);
        Map<String, int[]> fields = new java.util.LinkedHashMap<>();
        now.fieldNames().forEach(f -> fields.put(f, now.shape(f)));
        try (EmbeddingStore store = EmbeddingStore.open(dir, new StoreSpec(before, fields), 2)) {
            GalleryEmbedder.embedMissing(blip2Like, images(2), store, 2);
        }
        assertTrue(Files.readString(dir.resolve("index.json")).indexOf(StoredImage.FAMILY) < 0);
        try (EmbeddingStore store = StoredImage.openForSearch(dir, blip2Like)) {
            assertEquals(2, store.storedCount());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StoredImage.openForSearch(dir, new FakeEngine(false)).close());
        assertTrue(e.getMessage().contains("holds blip-2 embeddings"), e.getMessage());
    }
}
