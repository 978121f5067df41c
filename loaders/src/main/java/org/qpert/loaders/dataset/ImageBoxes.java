package org.qpert.loaders.dataset;

import java.util.List;

/** The boxes of one image and the original size they refer to. An empty list is an image without objects. */
public record ImageBoxes(String image, int width, int height, List<LabeledBox> boxes) {

    public ImageBoxes {
        if (width < 1 || height < 1) {
            throw new IllegalArgumentException(image + ": image size must be positive, got " + width + " x " + height);
        }
        boxes = List.copyOf(boxes);
    }
}
