package org.qpert.core.backend;

/**
 * A tensor on the Java heap. The array is owned by the tensor: backends never hand it out for mutation. Closing marks
 * the tensor, so a use after close fails at once, and gives the array back to the backend's {@link FloatArrayPool}
 * (when it came from one) for the next tensor of its size.
 */
public final class CpuTensor implements Tensor {
    final float[] data;
    private final int rows;
    private final int cols;
    /** Where the array goes when the tensor closes; null: to the garbage collector. */
    private final FloatArrayPool pool;
    private volatile boolean closed;

    CpuTensor(float[] data, int rows, int cols) {
        this(data, rows, cols, null);
    }

    CpuTensor(float[] data, int rows, int cols, FloatArrayPool pool) {
        if (rows < 0 || cols < 0 || data.length != (long) rows * cols) {
            throw new IllegalArgumentException("tensor data of length " + data.length + " does not fit ["
                    + rows + ", " + cols + "]");
        }
        this.data = data;
        this.rows = rows;
        this.cols = cols;
        this.pool = pool;
        TensorScope.track(this);
    }

    float[] data() {
        if (closed) {
            throw new IllegalStateException("tensor " + shape() + " used after it was closed");
        }
        return data;
    }

    /** Idempotent: the array goes back to the pool once. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (pool != null) {
            pool.give(data);
        }
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
