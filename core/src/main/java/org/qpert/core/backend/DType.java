package org.qpert.core.backend;

/**
 * How the elements of a tensor are stored. Activations are always {@link #F32}; weights keep the type of their
 * checkpoint ({@link #F16}, {@link #BF16}) in memory and are widened to float32 (exactly) by the matrix kernels.
 */
public enum DType {
    F32(4), F16(2), BF16(2);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }
}
