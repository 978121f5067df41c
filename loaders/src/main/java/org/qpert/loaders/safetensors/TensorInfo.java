package org.qpert.loaders.safetensors;

import java.util.Arrays;

/**
 * One header entry, already validated.
 *
 * @param name        tensor name
 * @param dtype       element type as stored
 * @param shape       dimensions, row-major (a copy is returned by {@link #shape()})
 * @param fileOffset  absolute byte position of the first element in the file
 * @param byteLength  number of bytes = numel x dtype size
 */
public record TensorInfo(String name, DType dtype, long[] shape, long fileOffset, long byteLength) {

    public TensorInfo {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    /** Number of elements (product of the shape; 1 for a scalar). */
    public long numel() {
        return byteLength / dtype.size();
    }

    /** E.g. {@code F32[2, 3]}. */
    public String describeType() {
        return dtype + Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape)
                && fileOffset == t.fileOffset && byteLength == t.byteLength;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + describeType();
    }
}
