package org.qpert.core.model;

import java.util.Set;
import org.qpert.core.backend.WeightData;

/**
 * Named checkpoint tensors as stored (F32, F16 or BF16 bytes, not converted). Core never reads files: loaders
 * implement this over safetensors. The bytes handed out stay valid until the source is closed.
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
     * The tensor in its stored type, seen as a matrix [first dimension, product of the others] (a vector as [1, n]).
     * Throws IllegalArgumentException naming the tensor (and the source) when it is missing, is not F32/F16/BF16, or
     * its stored shape differs from {@code expectedShape}.
     */
    WeightData tensor(String name, long... expectedShape);

    /** A short description of where the tensors come from, for error messages. */
    String describe();
}
