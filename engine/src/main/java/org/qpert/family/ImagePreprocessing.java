package org.qpert.family;

import org.qpert.loaders.image.RgbImage;

/** A family's image preprocessing in its two stages: the 8-bit image the model sees, then its normalized pixels. */
public interface ImagePreprocessing {

    /** Side S of the square image. */
    int size();

    /** The S × S RGB image after the family's resize (and crop), before normalization. */
    RgbImage resized(RgbImage image);

    /** {@code [3, S, S]} float pixels of a {@link #resized} image, channels first. */
    float[] normalize(RgbImage resized);

    /** Both stages: what the image tower reads. */
    default float[] pixelValues(RgbImage image) {
        return normalize(resized(image));
    }
}
