package org.qpert.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Split files and images found in the layouts users have: LAVIS cache, LAVIS files, Karpathy, explicit overrides. */
class DatasetLayoutTest {
    @TempDir
    Path dir;

    /** A LAVIS annotation file: one entry per image with its captions. */
    static void lavisSplit(Path file, List<String> images) throws IOException {
        StringBuilder json = new StringBuilder("[");
        for (int i = 0; i < images.size(); i++) {
            json.append(i == 0 ? "" : ",").append("{\"image\": \"").append(images.get(i))
                    .append("\", \"caption\": [\"a dog number ").append(i).append("\", \"a cat\"]}");
        }
        Files.createDirectories(file.getParent());
        Files.writeString(file, json.append("]").toString());
    }

    static Path touch(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.write(file, new byte[] {1});
    }

    @Test
    void flickrInTheLavisCache() throws IOException {
        Path root = dir.resolve("flickr30k");
        lavisSplit(root.resolve("annotations/test.json"), List.of("flickr30k-images/1.jpg", "flickr30k-images/2.jpg"));
        Path one = touch(root.resolve("images/flickr30k-images/1.jpg"));
        Path two = touch(root.resolve("images/flickr30k-images/2.jpg"));
        Gallery g = DatasetLayout.FLICKR30K.load(root, null, 0);
        assertEquals(List.of(one, two), g.images().stream().map(GalleryImage::file).toList());
        assertEquals("flickr30k-images/1.jpg", g.images().get(0).id());
        assertEquals(4, g.captions().size());
    }

    @Test
    void cocoInTheLavisCacheWithImagesUnderTheRootOrItsImagesFolder() throws IOException {
        Path root = dir.resolve("coco");
        lavisSplit(root.resolve("annotations/coco_karpathy_test.json"),
                List.of("val2014/COCO_val2014_000000000001.jpg", "val2014/COCO_val2014_000000000002.jpg"));
        Path one = touch(root.resolve("val2014/COCO_val2014_000000000001.jpg"));
        Path two = touch(root.resolve("images/val2014/COCO_val2014_000000000002.jpg"));
        Gallery g = DatasetLayout.COCO.load(root, null, 0);
        assertEquals(List.of(one, two), g.images().stream().map(GalleryImage::file).toList());
    }

    @Test
    void theLavisFileAtTheRootWinsOverTheCacheLayout() throws IOException {
        Path root = dir.resolve("both");
        lavisSplit(root.resolve("flickr30k_test.json"), List.of("a.jpg"));
        lavisSplit(root.resolve("annotations/test.json"), List.of("b.jpg"));
        touch(root.resolve("a.jpg"));
        assertEquals("a.jpg", DatasetLayout.FLICKR30K.load(root, null, 0).images().get(0).id());
    }

    @Test
    void splitAndImagesOverrides() throws IOException {
        Path root = Files.createDirectories(dir.resolve("root"));
        Path split = dir.resolve("elsewhere/my_split.json");
        lavisSplit(split, List.of("x/1.jpg"));
        Path pictures = dir.resolve("pictures");
        Path one = touch(pictures.resolve("x/1.jpg"));
        touch(root.resolve("x/1.jpg"));
        Gallery g = DatasetLayout.COCO.load(root, split, List.of(pictures), null, 0);
        assertEquals(List.of(one), g.images().stream().map(GalleryImage::file).toList());
    }

    @Test
    void aMissingSplitListsEveryPlaceLookedAt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DatasetLayout.COCO.load(dir, null, 0));
        for (Path p : DatasetLayout.COCO.splitCandidates(dir)) {
            assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
        }
        assertTrue(e.getMessage().contains("annotations/coco_karpathy_test.json"), e.getMessage());
        assertTrue(e.getMessage().contains("--split"), e.getMessage());
        IllegalArgumentException f = assertThrows(IllegalArgumentException.class,
                () -> DatasetLayout.FLICKR30K.load(dir, null, 0));
        assertTrue(f.getMessage().contains("annotations/test.json"), f.getMessage());
        assertTrue(f.getMessage().contains("flickr30k_test.json"), f.getMessage());
        assertTrue(f.getMessage().contains("dataset_flickr30k.json"), f.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> DatasetLayout.COCO.load(dir, dir.resolve("nope.json"), List.of(), null, 0));
    }

    @Test
    void aMissingImageListsEveryPlaceLookedAt() throws IOException {
        Path root = dir.resolve("f");
        lavisSplit(root.resolve("annotations/test.json"), List.of("flickr30k-images/9.jpg"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DatasetLayout.FLICKR30K.load(root, null, 0));
        assertEquals("1 of 1 images not found (or give --images DIR, repeatable, searched in order):\n- 1 images "
                + "listed in " + root.resolve("annotations/test.json") + ", looked for in " + root + ", "
                + root.resolve("images") + ", " + root.resolve("flickr30k-images") + ": flickr30k-images/9.jpg",
                e.getMessage());
    }
}
