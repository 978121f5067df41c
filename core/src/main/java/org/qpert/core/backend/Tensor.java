package org.qpert.core.backend;

/**
 * A row-major 2-D float matrix owned by one {@link Backend}: heap memory on the CPU, device memory on a GPU.
 * Model code never touches the storage; it only passes handles back to the backend that made them.
 */
public interface Tensor {
    int rows();

    int cols();

    default long size() {
        return (long) rows() * cols();
    }

    default String shape() {
        return "[" + rows() + ", " + cols() + "]";
    }
}
