package org.qpert.loaders.dataset;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Boxes of many images, keyed by the image's file name without directory and extension ({@code 1000092795},
 * {@code COCO_val2014_000000391895}), so that annotations find the images of a Karpathy split whatever their
 * folders. An image that is annotated but has no boxes maps to an empty {@link ImageBoxes}; an image that is not
 * annotated is absent.
 */
public final class BoxAnnotations {

    private final Map<String, ImageBoxes> byKey;

    BoxAnnotations(Map<String, ImageBoxes> byKey) {
        this.byKey = Collections.unmodifiableMap(new LinkedHashMap<>(byKey));
    }

    /** The key of an image path: file name without extension. */
    public static String keyOf(String imagePath) {
        String name = imagePath.substring(Math.max(imagePath.lastIndexOf('/'), imagePath.lastIndexOf('\\')) + 1);
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    /** The boxes of the image at {@code imagePath} (any folder, any extension), if it is annotated. */
    public Optional<ImageBoxes> find(String imagePath) {
        return Optional.ofNullable(byKey.get(keyOf(imagePath)));
    }

    public Map<String, ImageBoxes> byKey() {
        return byKey;
    }

    public int size() {
        return byKey.size();
    }

    /** Builds the map, refusing two images with the same key. */
    static final class Builder {
        private final String source;
        private final Map<String, ImageBoxes> byKey = new LinkedHashMap<>();

        Builder(String source) {
            this.source = source;
        }

        Builder add(ImageBoxes boxes) {
            ImageBoxes previous = byKey.putIfAbsent(keyOf(boxes.image()), boxes);
            if (previous != null) {
                throw new IllegalArgumentException(source + ": images " + previous.image() + " and " + boxes.image()
                        + " have the same name " + keyOf(boxes.image()));
            }
            return this;
        }

        BoxAnnotations build() {
            return new BoxAnnotations(byKey);
        }
    }
}
