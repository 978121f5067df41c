package org.qpert.loaders.synthetic;

import java.util.List;

/**
 * One generated image: its file name, size, background, drawn objects and five captions describing them.
 *
 * @param id a small integer id, unique in the gallery
 */
public record SyntheticScene(int id, String filename, int width, int height, SceneObject.Colour background,
                             List<SceneObject> objects, List<String> captions) {

    /** Largest relative box area (the paper's object size), 0 without objects. */
    public double objectSize() {
        return objects.stream().mapToDouble(o -> o.relativeArea(width, height)).max().orElse(0);
    }
}
