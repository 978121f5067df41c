package org.qpert.core.model;

import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Tensor;
import org.qpert.core.backend.WeightData;

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

    /** Values widened to float32: vectors and tables are used as activations are. */
    public float[] floats(String name, long... shape) {
        return source.tensor(name, shape).toFloats();
    }

    /** A Linear weight [out, in], kept in its stored type. */
    public Tensor matrix(String name, int out, int in) {
        return matrix(name, out, in, out, in);
    }

    /** A Linear weight [out, in] stored with another shape of the same size (e.g. a conv kernel [out, c, p, p]). */
    public Tensor matrix(String name, int out, int in, long... storedShape) {
        WeightData data = source.tensor(name, storedShape).reshape(out, in);
        try {
            return backend.weight(data);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("tensor '" + name + "': " + e.getMessage(), e);
        }
    }

    /** A vector [n] as a [1, n] row, in float32. */
    public Tensor row(String name, int n) {
        return backend.upload(floats(name, n), 1, n);
    }

    /** A table such as an embedding [rows, cols] in float32 (not a Linear weight: gathered or added, not multiplied). */
    public Tensor table(String name, int rows, int cols, long... storedShape) {
        return backend.upload(floats(name, storedShape.length == 0 ? new long[] {rows, cols} : storedShape),
                rows, cols);
    }

    /**
     * One Linear weight [Σ rows, in] made of the named tensors stacked in order (e.g. q, k and v projections read in
     * one product), each of shape {@code storedShape} with {@code in} columns; kept in the stored type, which must be
     * the same for all.
     */
    public Tensor stacked(String[] names, int in, long... storedShape) {
        WeightData[] parts = new WeightData[names.length];
        long bytes = 0;
        int rows = 0;
        for (int i = 0; i < names.length; i++) {
            WeightData d = source.tensor(names[i], storedShape);
            parts[i] = d.reshape(Math.toIntExact(d.size() / in), in);
            if (parts[i].dtype() != parts[0].dtype()) {
                throw new IllegalArgumentException("tensor '" + names[i] + "' is " + parts[i].dtype() + " but '"
                        + names[0] + "' is " + parts[0].dtype() + "; they are stacked into one weight");
            }
            rows += parts[i].rows();
            bytes += parts[i].bytes().remaining();
        }
        java.nio.ByteBuffer all = java.nio.ByteBuffer.allocate(Math.toIntExact(bytes));
        for (WeightData d : parts) {
            all.put(d.bytes().duplicate());
        }
        all.flip();
        try {
            return backend.weight(new WeightData(parts[0].dtype(), rows, in, all));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("tensors " + String.join(", ", names) + ": " + e.getMessage(), e);
        }
    }

    public Backend backend() {
        return backend;
    }
}
