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
 * @param annotated whether the image has a box annotation at all (one without has no object-size bin)
 */
public record GalleryImage(String id, Path file, List<Box> boxes, boolean annotated) {
    public GalleryImage {
        boxes = List.copyOf(boxes);
    }
}
