package org.qpert.engine;

import java.nio.file.Path;
import java.util.List;
import org.qpert.core.qpert.Box;

/**
 * One gallery image to embed.
 *
 * @param id        unique id, the store key (e.g. the file name relative to the dataset root)
 * @param file      image file
 * @param boxes     object boxes in original pixels (empty when none)
 * @param annotated whether the image has a box annotation at all (one without has no object-size bin); an image that
 *                  is not annotated but has boxes got them from the detector
 * @param annotatedWidth,annotatedHeight the image size the annotation records (0 when unknown), checked against the
 *                  decoded image
 */
public record GalleryImage(String id, Path file, List<Box> boxes, boolean annotated, int annotatedWidth,
                           int annotatedHeight) {
    public GalleryImage {
        boxes = List.copyOf(boxes);
    }

    /** An image whose annotation (if any) records no size. */
    public GalleryImage(String id, Path file, List<Box> boxes, boolean annotated) {
        this(id, file, boxes, annotated, 0, 0);
    }

    /** An image with the boxes of its annotation ({@code null}: not annotated). */
    public static GalleryImage of(String id, Path file, org.qpert.loaders.dataset.ImageBoxes annotation) {
        return annotation == null ? new GalleryImage(id, file, List.of(), false)
                : new GalleryImage(id, file, DatasetLayout.boxes(annotation), true, annotation.width(),
                annotation.height());
    }
}
