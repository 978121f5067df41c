package org.qpert.core.model;

import java.util.Set;

/**
 * Named checkpoint tensors, upcast to float32. Core never reads files: loaders implement this over safetensors.
 */
public interface WeightSource {

    /** All tensor names. */
    Set<String> names();

    default boolean contains(String name) {
        return names().contains(name);
    }

    /** Shape of a tensor as stored. Throws IllegalArgumentException naming the tensor when it is missing. */
    long[] shape(String name);

    /**
     * The tensor's values as float32, row-major. Throws IllegalArgumentException naming the tensor (and the source)
     * when it is missing or its element count differs from the product of {@code expectedShape}.
     */
    float[] floats(String name, long... expectedShape);

    /** A short description of where the tensors come from, for error messages. */
    String describe();
}
