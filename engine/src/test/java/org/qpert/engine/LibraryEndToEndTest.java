package org.qpert.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.core.qpert.Perturbation;
import org.qpert.loaders.store.EmbeddingStore;
import org.qpert.loaders.synthetic.SyntheticDataset;

/**
 * What a service does with the library alone (no cli): embed a folder into a store, search it by text and by image,
 * add an image while serving, evaluate, on the bundled tiny model and generated images.
 */
@Timeout(120)
class LibraryEndToEndTest {
    /** ITC is a max of dot products of float features: recomputed here in double, so the float sum order differs. */
    static final double TOL = 1e-5;

    @TempDir
    Path work;

    @Test
    void embedSearchAddAndEvaluateThroughTheEngineApi() throws Exception {
        Path model = DemoModel.extract(work.resolve("model"));
        Path data = work.resolve("data");
        SyntheticDataset.write(data, SyntheticDataset.Layout.FLICKR30K, 6, 0, 7);
        Gallery gallery = DatasetLayout.FLICKR30K.load(data, null, 0);
        List<GalleryImage> folder = ImageFolder.scan(data.resolve("flickr30k-images"),
                data.resolve(SyntheticDataset.BOXES_FILE));
        assertEquals(6, folder.size());
        assertTrue(folder.stream().allMatch(GalleryImage::annotated), "boxes.json lists every generated image");

        try (RetrievalEngine engine = ModelEngine.load(model, Perturbation.published())) {
            Path storeDir = work.resolve("store");
            try (EmbeddingStore store = EmbeddingStore.open(storeDir, StoredImage.spec(engine), 4)) {
                assertEquals(6, GalleryEmbedder.embedMissing(engine, folder, store, 4));
                GalleryIndex index = GalleryIndex.load(engine, store);
                String caption = gallery.captions().get(0);
                for (boolean perturbed : new boolean[] {true, false}) {
                    List<GalleryIndex.Result> hits = index.searchText(caption, 6, 3, perturbed);
                    assertEquals(6, hits.size());
                    float[] text = engine.textFeatures(List.of(caption));
                    int reranked = 0;
                    for (int r = 0; r < hits.size(); r++) {
                        GalleryIndex.Result h = hits.get(r);
                        float[] feats = store.read(h.id(), perturbed ? StoredImage.ITC_QPERT : StoredImage.ITC);
                        assertEquals(maxDot(feats, text), h.itc(), TOL, "ITC of " + h.id());
                        if (r > 0) {
                            assertTrue(hits.get(r - 1).score() >= h.score(), "best first");
                        }
                        if (h.itm() != null) {
                            reranked++;
                            assertEquals(h.itc() + h.itm(), h.score(), 1e-5);
                            // The top-k are scored as one batch of (image, caption) pairs, each image with its own
                            // P̄: each equals the pair scored alone (same arithmetic per row; 1e-5 for float noise).
                            StoredImage m = h.image();
                            float alone = engine.itm(store.read(h.id(), StoredImage.Z), m.height(), m.width(),
                                    m.boxes(), perturbed, List.of(caption))[0];
                            assertEquals(alone, h.itm(), 1e-5, "batched ITM of " + h.id());
                        } else {
                            assertEquals(h.itc() - 100f, h.score(), 1e-4);
                        }
                        assertTrue(Files.isRegularFile(Path.of(h.image().file())), "the store names the source file");
                    }
                    assertEquals(3, reranked, "exactly the ITC top 3 get an ITM score");
                }

                // An image added while serving is persisted before add returns and is searchable at once.
                GalleryImage extra = folder.get(0);
                Path copy = Files.copy(extra.file(), work.resolve("added.png"));
                assertThrows(GalleryIndex.DuplicateIdException.class,
                        () -> index.add(extra.id(), copy, extra.boxes(), true));
                index.add("added.png", copy, extra.boxes(), true);
                assertEquals(7, index.size());
                assertTrue(index.searchText(caption, 7, 0, true).stream().anyMatch(h -> h.id().equals("added.png")));
                try (EmbeddingStore reopened = EmbeddingStore.openExisting(storeDir)) {
                    assertEquals(7, reopened.ids().size(), "written to disk, not only buffered");
                    assertEquals(extra.boxes(), StoredImage.of(reopened, "added.png").boxes());
                }

                CaptionIndex captions = CaptionIndex.of(engine, gallery.captions());
                List<CaptionIndex.Result> found = captions.search(extra.file(), extra.boxes(), 5, 4, true);
                assertEquals(5, found.size());
                assertEquals(4, found.stream().filter(c -> c.itm() != null).count());
                assertNull(captions.search(extra.file(), extra.boxes(), 1, 0, true).get(0).itm(), "ITC only");
            }

            EvalReport report = Evaluator.evaluate(engine, gallery, work.resolve("eval-store"), 4, 4, "library test");
            assertEquals(6, report.images());
            assertEquals(2, report.conditions().size(), "with and without Q-Perturbation");
            assertTrue(report.markdown().contains("Δ = with − without Q-Perturbation"));
            assertFalse(report.conditions().get(0).perturbed());
            Path json = work.resolve("report.json");
            report.writeJson(json);
            assertTrue(Files.readString(json).contains("\"itm_k\": 4"));
            assertNotNull(Evaluator.defaultStore(DatasetLayout.FLICKR30K, engine).getFileName());
        }
    }

    private static double maxDot(float[] queries, float[] text) {
        double best = Double.NEGATIVE_INFINITY;
        for (int q = 0; q < queries.length / text.length; q++) {
            double dot = 0;
            for (int d = 0; d < text.length; d++) {
                dot += (double) queries[q * text.length + d] * text[d];
            }
            best = Math.max(best, dot);
        }
        return best;
    }
}
