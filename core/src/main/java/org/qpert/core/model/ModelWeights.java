package org.qpert.core.model;

import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Tensor;

/** Reads checkpoint tensors by name with their expected shapes and hands them to the backend once. */
final class ModelWeights {
    private final WeightSource source;
    private final Backend backend;

    ModelWeights(WeightSource source, Backend backend) {
        this.source = source;
        this.backend = backend;
    }

    boolean contains(String name) {
        return source.contains(name);
    }

    float[] floats(String name, long... shape) {
        return source.floats(name, shape);
    }

    /** A Linear weight [out, in]. */
    Tensor matrix(String name, int out, int in) {
        return backend.weight(source.floats(name, out, in), out, in);
    }

    /** A vector [n] as a [1, n] row. */
    Tensor row(String name, int n) {
        return backend.upload(source.floats(name, n), 1, n);
    }

    /** A table such as an embedding [rows, cols] (not a Linear weight: gathered, not multiplied). */
    Tensor table(String name, int rows, int cols, long... storedShape) {
        return backend.upload(source.floats(name, storedShape.length == 0 ? new long[] {rows, cols} : storedShape),
                rows, cols);
    }

    Backend backend() {
        return backend;
    }
}
