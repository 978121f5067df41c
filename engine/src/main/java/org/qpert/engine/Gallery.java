package org.qpert.engine;

import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Images and captions of one evaluation: caption t describes image {@code captionImage[t]}. The images with captions
 * come first; those after them have none (the distractors of an enlarged pool): they are searched among but are
 * never the answer to a caption, nor a query.
 *
 * @param boxSources where each image's boxes come from ({@link #NO_BOXES} for an image without annotation), as the
 *                   report counts them
 */
public record Gallery(List<GalleryImage> images, List<String> captions, int[] captionImage, List<String> boxSources) {
    /** The box source of an image without annotation. */
    public static final String NO_BOXES = "none";
    /** The box source of an image the engine's detector boxes. */
    public static final String DETECTOR = "detector";
    /** The box source of annotations from a qpert box file ({@code --boxes}, {@code boxes.json}). */
    public static final String BOXES_FILE = "boxes file";

    public Gallery {
        images = List.copyOf(images);
        captions = List.copyOf(captions);
        boxSources = List.copyOf(boxSources);
        if (captionImage.length != captions.size()) {
            throw new IllegalArgumentException(captions.size() + " captions but " + captionImage.length
                    + " caption-to-image entries");
        }
        if (boxSources.size() != images.size()) {
            throw new IllegalArgumentException(images.size() + " images but " + boxSources.size() + " box sources");
        }
        boolean[] captioned = new boolean[images.size()];
        for (int t = 0; t < captionImage.length; t++) {
            if (captionImage[t] < 0 || captionImage[t] >= images.size()) {
                throw new IllegalArgumentException("caption " + t + " points at image " + captionImage[t]
                        + " of " + images.size());
            }
            captioned[captionImage[t]] = true;
        }
        for (int i = 1; i < captioned.length; i++) {
            if (captioned[i] && !captioned[i - 1]) {
                throw new IllegalArgumentException("image " + (i - 1) + " (" + images.get(i - 1).id() + ") has no "
                        + "caption but a later image has: images without captions (distractors) come last");
            }
        }
        Set<String> ids = new HashSet<>();
        for (GalleryImage g : images) {
            if (!ids.add(g.id())) {
                throw new IllegalArgumentException("image id '" + g.id() + "' occurs twice in the gallery");
            }
        }
    }

    /** A gallery whose images' boxes, if any, come from the dataset's annotations. */
    public Gallery(List<GalleryImage> images, List<String> captions, int[] captionImage) {
        this(images, captions, captionImage, images.stream().map(g -> g.annotated() ? "annotations" : NO_BOXES)
                .toList());
    }

    /** The images with captions, the queries of image-to-text retrieval: images 0 to this count - 1. */
    public int captionedImages() {
        int last = -1;
        for (int i : captionImage) {
            last = Math.max(last, i);
        }
        return last + 1;
    }

    /** The images without captions, after the captioned ones. */
    public int distractors() {
        return images.size() - captionedImages();
    }

    /** How many images have boxes from each source, for the images {@code detected} says the engine detects. */
    public Map<String, Integer> boxSourceCounts(Predicate<GalleryImage> detected) {
        Map<String, Integer> counts = new TreeMap<>();
        for (int i = 0; i < images.size(); i++) {
            counts.merge(detected.test(images.get(i)) ? DETECTOR : boxSources.get(i), 1, Integer::sum);
        }
        return Collections.unmodifiableMap(counts);
    }
}
