package org.qpert.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.core.qpert.Box;
import org.qpert.loaders.store.EmbeddingStore;

/** --on-error skip, the box-source counts and the size warning of a run. */
class GalleryEmbedderTest {
    private static final List<GalleryImage> GALLERY = List.of(
            new GalleryImage("img0.png", Path.of("img0.png"), List.of(new Box(0, 0, 20, 20)), true, 100, 100),
            new GalleryImage("img1.png", Path.of("img1.png"), List.of(), false),
            new GalleryImage("img2.png", Path.of("img2.png"), List.of(), false),
            new GalleryImage("img3.png", Path.of("img3.png"), List.of(new Box(0, 0, 5, 5)), true, 640, 480));

    @Test
    void skippedImagesAreRecordedAndOnlyTheyAreRetried(@TempDir Path dir) throws Exception {
        FakeEngine failing = detecting("img2.png");
        try (EmbeddingStore store = EmbeddingStore.open(dir, StoredImage.spec(failing), 2)) {
            EmbedSummary s = GalleryEmbedder.embedMissing(failing, GALLERY, store, 2, GalleryEmbedder.OnError.SKIP);
            assertEquals(3, s.embedded());
            assertEquals(Map.of("img2.png", "simulated crash on img2.png"), s.failed());
            assertEquals(Map.of("img2.png", "simulated crash on img2.png"), store.failures());
            assertEquals(2, s.fromAnnotations());
            assertEquals(1, s.fromDetector());
            assertEquals(0, s.noBoxes());
            assertTrue(s.lines().contains("boxes: 2 from annotations, 1 from the detector, 0 none"), s.lines().toString());
            assertTrue(s.lines().contains("failed: img2.png: simulated crash on img2.png"), s.lines().toString());
        }
        assertEquals(Map.of("img2.png", "simulated crash on img2.png"), EmbeddingStore.verify(dir).failed());
        FakeEngine fixed = detecting(null);
        try (EmbeddingStore store = EmbeddingStore.open(dir, StoredImage.spec(fixed), 2)) {
            EmbedSummary s = GalleryEmbedder.embedMissing(fixed, GALLERY, store, 2, GalleryEmbedder.OnError.SKIP);
            assertEquals(1, fixed.embedded.get(), "only the failed image is retried");
            assertEquals(3, s.alreadyStored());
            assertEquals(1, s.noBoxes(), "img2 has no boxes");
            assertEquals(Map.of(), store.failures());
            assertEquals(4, store.ids().size());
        }
    }

    /** An engine whose detector finds one box in img1 (the unannotated image with a file, as --detect missing). */
    private static FakeEngine detecting(String failOn) {
        return new FakeEngine(true, failOn) {
            @Override
            public boolean detects(GalleryImage image) {
                return image.id().equals("img1.png");
            }

            @Override
            public GalleryImage withBoxes(GalleryImage image) {
                return detects(image) ? new GalleryImage(image.id(), image.file(), List.of(new Box(1, 1, 9, 9)), true)
                        : image;
            }
        };
    }

    @Test
    void stopEndsTheRunAtTheFailingImage(@TempDir Path dir) throws Exception {
        FakeEngine failing = new FakeEngine(true, "img2.png");
        try (EmbeddingStore store = EmbeddingStore.open(dir, StoredImage.spec(failing), 1)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> GalleryEmbedder.embedMissing(
                    failing, GALLERY, store, 1, GalleryEmbedder.OnError.STOP));
            assertEquals("simulated crash on img2.png", e.getMessage());
        }
    }

    @Test
    void imagesOfAnotherSizeThanTheirAnnotationAreReported(@TempDir Path dir) throws Exception {
        FakeEngine engine = new FakeEngine(true);
        try (EmbeddingStore store = EmbeddingStore.open(dir, StoredImage.spec(engine), 4)) {
            EmbedSummary s = GalleryEmbedder.embedMissing(engine, GALLERY, store, 4, GalleryEmbedder.OnError.STOP);
            assertEquals(1, s.warnings().size(), s.warnings().toString());
            assertTrue(s.warnings().get(0).startsWith("1 image(s) differ in size from their box annotation"),
                    s.warnings().get(0));
            assertTrue(s.warnings().get(0).contains("img3.png is 100x100, its boxes are for 640x480"),
                    s.warnings().get(0));
        }
    }
}
