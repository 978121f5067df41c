package org.qpert.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.core.qpert.Box;
import org.qpert.core.retrieval.Evaluation;
import org.qpert.loaders.store.EmbeddingStore;

class EvaluatorTest {
    private static final double TOL = 1e-9;

    /** Image 0 small (4% box), image 1 in bin 3 (36%), image 2 without annotation; two captions each. */
    private static Gallery gallery() {
        List<GalleryImage> images = List.of(
                new GalleryImage("img0.png", Path.of("img0.png"), List.of(new Box(0, 0, 20, 20)), true),
                new GalleryImage("img1.png", Path.of("img1.png"), List.of(new Box(0, 0, 60, 60), new Box(0, 0, 5, 5)),
                        true),
                new GalleryImage("img2.png", Path.of("img2.png"), List.of(), false));
        List<String> captions = List.of("image 0 a", "image 0 b", "image 1 a", "image 1 b", "image 2 a", "image 2 b");
        return new Gallery(images, captions, new int[] {0, 0, 1, 1, 2, 2});
    }

    @Test
    void bothConditionsWithHandCheckedRanks(@TempDir Path dir) throws Exception {
        FakeEngine engine = new FakeEngine(true);
        Gallery g = gallery();
        List<Evaluator.Condition> conditions;
        try (EmbeddingStore store = EmbeddingStore.open(dir, StoredImage.spec(engine), 2)) {
            assertEquals(3, GalleryEmbedder.embedMissing(engine, g.images(), store, 2));
            conditions = Evaluator.run(engine, g, store, 64);
        }
        assertEquals(2, conditions.size());
        Evaluator.Condition plain = conditions.get(0), qpert = conditions.get(1);
        assertEquals(false, plain.perturbed());
        assertEquals(100.0, plain.itc().all().textToImage().r1(), TOL);
        assertEquals(100.0, plain.reranked().all().rsum() / 6, TOL);
        // perturbed ITC: image 1 looks like image 0. Its captions tie between images 0 and 1 → image 0 (smaller
        // index) first → rank 2. Image 1's own captions (2, 3) tie with captions 0, 1 → best rank 3.
        Evaluation itc = qpert.itc();
        assertEquals(100.0 * 4 / 6, itc.all().textToImage().r1(), TOL);
        assertEquals((1 + 1 + 2 + 2 + 1 + 1) / 6.0, itc.all().textToImage().meanRank(), TOL);
        assertEquals(100.0 * 2 / 3, itc.all().imageToText().r1(), TOL);
        assertEquals((1 + 3 + 1) / 3.0, itc.all().imageToText().meanRank(), TOL);
        // ITM (+1 for the right image): each caption of image 1 now scores 1 + 1 on image 1 against 1 + 0 on image 0
        // → rank 1. Image 1's own captions score 0 + 1, the same as captions 0, 1 (1 + 0): still a tie → rank 3.
        assertEquals(100.0, qpert.reranked().all().textToImage().r1(), TOL);
        assertEquals(100.0 * 2 / 3, qpert.reranked().all().imageToText().r1(), TOL);
        assertEquals(100.0, qpert.reranked().all().imageToText().r5(), TOL);
        // 3 images × 6 texts (k = 64 covers all), each pair once
        assertEquals(18, qpert.pairsScored());
        // sizes from the stored metadata: image 0 is small, image 1 in bin 3, image 2 in none
        assertEquals(1, itc.small().imageToText().queries());
        assertEquals(2, itc.small().textToImage().queries());
        assertEquals(1, itc.bins().get(3).imageToText().queries());
        assertEquals(50.0, itc.bins().get(3).imageToText().r10() / 2, TOL);
        assertEquals(0.0, itc.bins().get(3).textToImage().r1(), TOL);

        EvalReport report = new EvalReport("fake eval", engine.card().title(), engine.storeSettings(), 3, 0, 6,
                g.boxSourceCounts(engine::detects), 64, conditions);
        String md = report.markdown();
        assertTrue(md.contains("## Δ = with − without Q-Perturbation"), md);
        Path json = dir.resolve("out/report.json");
        report.writeJson(json);
        JsonObject parsed = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        JsonObject q = parsed.getAsJsonArray("conditions").get(1).getAsJsonObject();
        assertEquals(100.0 * 4 / 6, q.getAsJsonObject("itc_only").getAsJsonObject("all")
                .getAsJsonObject("text_to_image").get("r1").getAsDouble(), TOL);
        assertTrue(q.getAsJsonObject("reranked").getAsJsonObject("size_bins").getAsJsonObject("[0.9, 1.0]")
                .getAsJsonObject("image_to_text").get("r1").isJsonNull(), "empty bin → null");
    }

    @Test
    void itcOnlyAndNoPerturbation(@TempDir Path dir) throws Exception {
        FakeEngine engine = new FakeEngine(false);
        try (EmbeddingStore store = EmbeddingStore.open(dir, StoredImage.spec(engine), 8)) {
            GalleryEmbedder.embedMissing(engine, gallery().images(), store, 8);
            List<Evaluator.Condition> c = Evaluator.run(engine, gallery(), store, 0);
            assertEquals(1, c.size());
            assertEquals(0, c.get(0).pairsScored());
            assertThrows(IllegalArgumentException.class, () -> Evaluator.run(engine, gallery(), store, -1));
        }
    }

    /** A run that dies on image 2 keeps the finished batches; the next run embeds only image 2. */
    @Test
    void crashedRunLosesOnlyTheBatchInProgress(@TempDir Path dir) throws Exception {
        FakeEngine crashing = new FakeEngine(true, "img2.png");
        EmbeddingStore store = EmbeddingStore.open(dir, StoredImage.spec(crashing), 1);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> GalleryEmbedder.embedMissing(crashing, gallery().images(), store, 1));
        assertEquals("simulated crash on img2.png", e.getMessage());
        store.close(); // the run stops with the error (a killed run: StoreWritersTest)
        FakeEngine next = new FakeEngine(true);
        try (EmbeddingStore reopened = EmbeddingStore.open(dir, StoredImage.spec(next), 1)) {
            assertEquals(List.of("img0.png", "img1.png"), reopened.ids());
            assertEquals(1, GalleryEmbedder.embedMissing(next, gallery().images(), reopened, 1));
            assertEquals(1, next.embedded.get());
        }
    }

    @Test
    void interruptedEmbeddingResumesWithTheMissingImages(@TempDir Path dir) throws Exception {
        FakeEngine first = new FakeEngine(true);
        try (EmbeddingStore store = EmbeddingStore.open(dir, StoredImage.spec(first), 1)) {
            GalleryEmbedder.embedMissing(first, gallery().images().subList(0, 2), store, 1);
        }
        FakeEngine second = new FakeEngine(true);
        try (EmbeddingStore store = EmbeddingStore.open(dir, StoredImage.spec(second), 1)) {
            assertEquals(1, GalleryEmbedder.embedMissing(second, gallery().images(), store, 1));
            assertEquals(1, second.embedded.get());
            assertEquals(3, store.ids().size());
        }
        List<GalleryImage> otherBoxes = List.of(new GalleryImage("img0.png", Path.of("img0.png"),
                List.of(new Box(1, 1, 20, 20)), true));
        try (EmbeddingStore store = EmbeddingStore.open(dir, StoredImage.spec(second), 1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> GalleryEmbedder.embedMissing(second, otherBoxes, store, 1));
            assertTrue(e.getMessage().contains("holds image 'img0.png' embedded with other boxes"), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EmbeddingStore.open(dir, StoredImage.spec(new FakeEngine(false)), 1));
        assertTrue(e.getMessage().contains("perturbation: 'off' requested, 'on' in the store"), e.getMessage());
        // a search without perturbation reads the plain features of a store that holds both
        try (EmbeddingStore store = StoredImage.openForSearch(dir, new FakeEngine(false))) {
            assertEquals(3, store.ids().size());
        }
        e = assertThrows(IllegalArgumentException.class,
                () -> StoredImage.openForSearch(dir, new FakeEngine(true) {
                    @Override
                    public java.util.Map<String, String> storeSettings() {
                        return java.util.Map.of("model", "other", StoredImage.PERTURBATION, "on");
                    }
                }));
        assertTrue(e.getMessage().contains("model: 'other' requested, 'fake' in the store"), e.getMessage());
    }
}
