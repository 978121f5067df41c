package org.qpert.spark;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.qpert.core.qpert.Box;
import org.qpert.engine.GalleryImage;

/**
 * One validated manifest row.
 *
 * @param row   0-based position among the manifest's data rows (the header of a CSV not counted): fixes the partition
 * @param id    the store key: the manifest's {@code id}, else its {@code path} as written
 * @param file  absolute path of the image
 * @param boxes (x0, y0, x1, y1) per box, already checked; null when the row has no boxes (not annotated)
 */
public record ManifestEntry(long row, String id, String file, double[][] boxes) implements Serializable {

    GalleryImage toGalleryImage() {
        List<Box> list = new ArrayList<>();
        if (boxes != null) {
            for (double[] b : boxes) {
                list.add(new Box(b[0], b[1], b[2], b[3]));
            }
        }
        return new GalleryImage(id, Path.of(file), list, boxes != null);
    }
}
