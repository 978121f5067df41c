package org.qpert.family;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/** The model families on the class path, and which of them a checkpoint folder belongs to. */
public final class ModelFamilies {

    private ModelFamilies() {
    }

    /** Every family found through {@link ServiceLoader}, in class-path order. */
    public static List<ModelFamily> all() {
        List<ModelFamily> out = new ArrayList<>();
        ServiceLoader.load(ModelFamily.class, ModelFamilies.class.getClassLoader()).forEach(out::add);
        return out;
    }

    /** The family of the checkpoint in {@code dir}; refused, listing the families known, when none recognises it. */
    public static ModelFamily of(Path dir) {
        List<ModelFamily> families = all();
        for (ModelFamily f : families) {
            if (f.recognises(dir)) {
                return f;
            }
        }
        throw new IllegalArgumentException(dir + " holds no checkpoint of a known model family ("
                + String.join(", ", families.stream().map(ModelFamily::name).toList())
                + "): expected config.json with its model_type, or open_clip_config.json");
    }
}
