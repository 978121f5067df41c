package org.qpert.core.backend;

/**
 * A tensor on the Java heap. The array is owned by the tensor: backends never hand it out for mutation. Closing frees
 * nothing (the garbage collector does) but marks the tensor, so a use after close fails at once instead of silently
 * reading data a pooled backend would have reused.
 */
public final class CpuTensor implements Tensor {
    final float[] data;
    private final int rows;
    private final int cols;
    private volatile boolean closed;

    CpuTensor(float[] data, int rows, int cols) {
        if (rows < 0 || cols < 0 || data.length != (long) rows * cols) {
            throw new IllegalArgumentException("tensor data of length " + data.length + " does not fit ["
                    + rows + ", " + cols + "]");
        }
        this.data = data;
        this.rows = rows;
        this.cols = cols;
        TensorScope.track(this);
    }

    float[] data() {
        if (closed) {
            throw new IllegalStateException("tensor " + shape() + " used after it was closed");
        }
        return data;
    }

    @Override
    public void close() {
        closed = true;
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    @Override
    public String toString() {
        return "CpuTensor" + shape();
    }
}
