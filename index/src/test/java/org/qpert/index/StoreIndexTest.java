package org.qpert.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.core.qpert.Perturbation;
import org.qpert.engine.DatasetLayout;
import org.qpert.engine.DemoModel;
import org.qpert.engine.Gallery;
import org.qpert.engine.GalleryEmbedder;
import org.qpert.engine.GalleryImage;
import org.qpert.engine.GalleryIndex;
import org.qpert.engine.ModelEngine;
import org.qpert.engine.StoredImage;
import org.qpert.loaders.store.EmbeddingStore;
import org.qpert.loaders.synthetic.SyntheticDataset;

/**
 * The index kept by the store's writer, on the bundled tiny model: embedding with it, catching up after an
 * interrupted run, rebuilding one that no longer matches, and a gallery searched through it giving the in-memory
 * results (exact mode), also after an image is added.
 */
@Timeout(300)
class StoreIndexTest {
    @TempDir
    static Path dir;
    static ModelEngine engine;
    static Gallery gallery;

    @BeforeAll
    static void load() throws IOException {
        Path model = DemoModel.extract(dir.resolve("model"));
        SyntheticDataset.write(dir.resolve("data"), SyntheticDataset.Layout.FLICKR30K, 10, 0, 41);
        gallery = DatasetLayout.FLICKR30K.load(dir.resolve("data"), null, 0);
        engine = ModelEngine.load(model, Perturbation.published());
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    static EmbeddingStore open(Path store) throws IOException {
        return EmbeddingStore.open(store, StoredImage.spec(engine), 3);
    }

    /** Index and in-memory results agree on ids and order; scores within 1e-5 (two float sums of 256 products). */
    static void assertSameResults(List<GalleryIndex.Result> memory, List<GalleryIndex.Result> indexed, String what) {
        assertEquals(memory.stream().map(GalleryIndex.Result::id).toList(),
                indexed.stream().map(GalleryIndex.Result::id).toList(), what);
        for (int i = 0; i < memory.size(); i++) {
            GalleryIndex.Result m = memory.get(i), x = indexed.get(i);
            assertEquals(m.index(), x.index(), what);
            assertEquals(m.itc(), x.itc(), 1e-5f, what);
            assertEquals(m.score(), x.score(), 1e-5f, what);
            assertEquals(m.itm(), x.itm(), what + ": the same Z gives the same ITM");
        }
    }

    @Test
    void embeddingWithTheIndexSearchesAsInMemoryAndFollowsAddedImages() throws IOException {
        Path storeDir = dir.resolve("store-a");
        List<GalleryImage> images = gallery.images().subList(0, 8);
        try (EmbeddingStore store = open(storeDir); StoreIndex index = StoreIndex.open(store)) {
            GalleryEmbedder.embedMissing(engine, images, store, 3, GalleryEmbedder.OnError.STOP, index);
            assertEquals(8, index.size());
        }
        try (EmbeddingStore store = open(storeDir); LuceneItc itc = IndexedSearch.forWriter(store, "auto")) {
            assertNotNull(itc, "auto uses the index the store has");
            assertEquals(VectorIndex.Mode.EXACT, itc.mode());
            GalleryIndex memory = GalleryIndex.load(engine, store);
            GalleryIndex indexed = GalleryIndex.load(engine, store, itc);
            assertEquals("lucene exact", indexed.itcSource());
            for (String caption : gallery.captions().subList(0, 6)) {
                for (boolean perturbed : new boolean[] {true, false}) {
                    for (int rerank : new int[] {0, 3}) {
                        assertSameResults(memory.searchText(caption, 8, rerank, perturbed),
                                indexed.searchText(caption, 8, rerank, perturbed),
                                caption + " perturbed=" + perturbed + " rerank=" + rerank);
                    }
                }
            }
            // An image added through the indexed gallery is in the index when add returns, and found through it.
            GalleryImage extra = gallery.images().get(8);
            indexed.add(extra.id(), extra.file(), extra.boxes(), extra.annotated());
            assertEquals(9, indexed.size());
            List<GalleryIndex.Result> found = indexed.searchText("anything", 9, 0, true);
            assertEquals(9, found.size(), "every image, the added one too, comes from the index");
            assertTrue(found.stream().anyMatch(r -> r.id().equals(extra.id()) && r.index() == 8));
            assertSameResults(GalleryIndex.load(engine, store).searchText(gallery.captions().get(0), 9, 3, true),
                    indexed.searchText(gallery.captions().get(0), 9, 3, true), "after the add");
        }
        try (EmbeddingStore store = EmbeddingStore.openExisting(storeDir);
             VectorIndex index = VectorIndex.open(IndexedSearch.indexDir(store))) {
            assertTrue(index.inStepWith(store.ids()), "the add was committed to the index");
        }
    }

    @Test
    void anIndexLeftBehindIsCaughtUpAndAMismatchedOneRebuilt() throws IOException {
        Path storeDir = dir.resolve("store-b");
        List<GalleryImage> images = gallery.images();
        try (EmbeddingStore store = open(storeDir); StoreIndex index = StoreIndex.open(store)) {
            GalleryEmbedder.embedMissing(engine, images.subList(0, 4), store, 3, GalleryEmbedder.OnError.STOP, index);
        }
        // As a run killed between the store's commit and the index's: the store has images the index lacks.
        try (EmbeddingStore store = open(storeDir)) {
            GalleryEmbedder.embedMissing(engine, images.subList(0, 7), store, 3);
            assertNull(IndexedSearch.forSearch(store, "auto"), "auto searches in memory past a stale index");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> IndexedSearch.forSearch(store, "exact"));
            assertTrue(e.getMessage().contains("holds 4 images, not the 7"), e.getMessage());
        }
        try (EmbeddingStore store = open(storeDir); StoreIndex index = StoreIndex.open(store)) {
            assertEquals(7, index.size(), "caught up on open");
            GalleryEmbedder.embedMissing(engine, images, store, 3, GalleryEmbedder.OnError.STOP, index);
            assertEquals(10, index.size(), "and continued by the resumed run");
        }
        try (EmbeddingStore store = EmbeddingStore.openExisting(storeDir);
             LuceneItc itc = IndexedSearch.forSearch(store, "hnsw")) {
            assertNotNull(itc);
            assertEquals(10, itc.top(engine.textFeatures(List.of("a")), 10, true).size());
        }
        // Another store's index in this store's folder (as a store deleted and made again): rebuilt, not trusted.
        Path other = dir.resolve("store-c");
        try (EmbeddingStore store = open(other); StoreIndex index = StoreIndex.open(store)) {
            GalleryEmbedder.embedMissing(engine, List.of(images.get(5), images.get(1), images.get(2)), store, 3,
                    GalleryEmbedder.OnError.STOP, index);
        }
        Path lucene = storeDir.resolve(VectorIndex.DIR_NAME);
        deleteTree(lucene);
        copyTree(other.resolve(VectorIndex.DIR_NAME), lucene);
        try (EmbeddingStore store = open(storeDir); StoreIndex index = StoreIndex.open(store)) {
            assertEquals(10, index.size());
        }
        try (EmbeddingStore store = open(storeDir); LuceneItc itc = IndexedSearch.forWriter(store, "exact")) {
            String caption = gallery.captions().get(2);
            assertSameResults(GalleryIndex.load(engine, store).searchText(caption, 10, 2, true),
                    GalleryIndex.load(engine, store, itc).searchText(caption, 10, 2, true), "rebuilt index");
        }
        // Asking for int8 rebuilds a float32 index in that format.
        try (EmbeddingStore store = open(storeDir); StoreIndex index = StoreIndex.open(store, true)) {
            assertTrue(index.int8());
            assertEquals(10, index.size());
        }
        try (EmbeddingStore store = open(storeDir); StoreIndex index = StoreIndex.open(store)) {
            assertTrue(index.int8(), "reopened without a format: kept");
        }
    }

    @Test
    void indexFlagsAreChecked() throws IOException {
        try (EmbeddingStore store = open(dir.resolve("store-d"))) {
            assertNull(IndexedSearch.forSearch(store, "auto"), "no index: in memory");
            assertNull(IndexedSearch.forWriter(store, "none"));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> IndexedSearch.forWriter(store, "hnsw"));
            assertTrue(e.getMessage().contains("has no index"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> IndexedSearch.forSearch(store, "fuzzy"));
            assertTrue(e.getMessage().contains("none, exact, hnsw or auto"), e.getMessage());
            assertFalse(Files.exists(store.dir().resolve(VectorIndex.DIR_NAME)), "a refused flag writes nothing");
        }
    }

    static void deleteTree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> s = Files.list(from)) {
            for (Path f : s.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }
}
