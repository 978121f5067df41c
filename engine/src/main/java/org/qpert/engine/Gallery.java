package org.qpert.engine;

import java.util.List;

/**
 * Images and captions of one evaluation: caption t describes image {@code captionImage[t]}.
 */
public record Gallery(List<GalleryImage> images, List<String> captions, int[] captionImage) {
    public Gallery {
        images = List.copyOf(images);
        captions = List.copyOf(captions);
        if (captionImage.length != captions.size()) {
            throw new IllegalArgumentException(captions.size() + " captions but " + captionImage.length
                    + " caption-to-image entries");
        }
        for (int t = 0; t < captionImage.length; t++) {
            if (captionImage[t] < 0 || captionImage[t] >= images.size()) {
                throw new IllegalArgumentException("caption " + t + " points at image " + captionImage[t]
                        + " of " + images.size());
            }
        }
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (GalleryImage g : images) {
            if (!ids.add(g.id())) {
                throw new IllegalArgumentException("image id '" + g.id() + "' occurs twice in the gallery");
            }
        }
    }
}
