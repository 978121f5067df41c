package org.qpert.core.model;

import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Tensor;

/**
 * Reads checkpoint tensors by name with their expected shapes and hands them to the backend once. Every model family
 * loads through it, so a missing tensor or a wrong shape gets the same message (from the {@link WeightSource}).
 */
public final class ModelWeights {
    private final WeightSource source;
    private final Backend backend;

    public ModelWeights(WeightSource source, Backend backend) {
        this.source = source;
        this.backend = backend;
    }

    public boolean contains(String name) {
        return source.contains(name);
    }

    public float[] floats(String name, long... shape) {
        return source.floats(name, shape);
    }

    /** A Linear weight [out, in]. */
    public Tensor matrix(String name, int out, int in) {
        return backend.weight(source.floats(name, out, in), out, in);
    }

    /** A vector [n] as a [1, n] row. */
    public Tensor row(String name, int n) {
        return backend.upload(source.floats(name, n), 1, n);
    }

    /** A table such as an embedding [rows, cols] (not a Linear weight: gathered, not multiplied). */
    public Tensor table(String name, int rows, int cols, long... storedShape) {
        return backend.upload(source.floats(name, storedShape.length == 0 ? new long[] {rows, cols} : storedShape),
                rows, cols);
    }

    public Backend backend() {
        return backend;
    }
}
