package org.qpert.core.backend;

/**
 * A row-major 2-D matrix owned by one {@link Backend}: heap memory on the CPU, device memory on a GPU. Model code
 * never touches the storage; it only passes handles back to the backend that made them. Activations are
 * {@link DType#F32}; a weight keeps the type it was stored in.
 *
 * <p>Closing releases the storage now (device memory on a GPU; the CPU backend may keep it for the garbage
 * collector). A closed tensor must not be used again; closing twice is harmless.
 */
public interface Tensor extends AutoCloseable {
    int rows();

    int cols();

    /** Element type of the storage. */
    default DType dtype() {
        return DType.F32;
    }

    default long size() {
        return (long) rows() * cols();
    }

    default String shape() {
        return "[" + rows() + ", " + cols() + "]";
    }

    @Override
    default void close() {
    }
}
