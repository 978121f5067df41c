package org.qpert.core.model;

import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Tensor;
import org.qpert.core.backend.WeightData;

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

    /** Values widened to float32: vectors and tables are used as activations are. */
    float[] floats(String name, long... shape) {
        return source.tensor(name, shape).toFloats();
    }

    /** A Linear weight [out, in], kept in its stored type. */
    Tensor matrix(String name, int out, int in) {
        return matrix(name, out, in, out, in);
    }

    /** A Linear weight [out, in] stored with another shape of the same size (e.g. a conv kernel [out, c, p, p]). */
    Tensor matrix(String name, int out, int in, long... storedShape) {
        WeightData data = source.tensor(name, storedShape).reshape(out, in);
        try {
            return backend.weight(data);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("tensor '" + name + "': " + e.getMessage(), e);
        }
    }

    /** A vector [n] as a [1, n] row, in float32. */
    Tensor row(String name, int n) {
        return backend.upload(floats(name, n), 1, n);
    }

    /** A table such as an embedding [rows, cols] in float32 (not a Linear weight: gathered or added, not multiplied). */
    Tensor table(String name, int rows, int cols, long... storedShape) {
        return backend.upload(floats(name, storedShape.length == 0 ? new long[] {rows, cols} : storedShape),
                rows, cols);
    }

    Backend backend() {
        return backend;
    }
}
