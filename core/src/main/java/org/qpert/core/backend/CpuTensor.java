package org.qpert.core.backend;

/** A tensor on the Java heap. The array is owned by the tensor: backends never hand it out for mutation. */
public final class CpuTensor implements Tensor {
    final float[] data;
    private final int rows;
    private final int cols;

    CpuTensor(float[] data, int rows, int cols) {
        if (rows < 0 || cols < 0 || data.length != (long) rows * cols) {
            throw new IllegalArgumentException("tensor data of length " + data.length + " does not fit ["
                    + rows + ", " + cols + "]");
        }
        this.data = data;
        this.rows = rows;
        this.cols = cols;
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
