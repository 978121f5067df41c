package org.qpert.kernels;

import jcuda.driver.CUdeviceptr;
import org.qpert.core.backend.Tensor;

/**
 * A row-major matrix in device memory, float32 unless it is a weight kept in bfloat16 (see
 * {@link CudaBackend#weight}). It owns its buffer: {@link #close} returns it to the backend's allocator (idempotent);
 * using the tensor afterwards fails with a clear message instead of reading freed memory.
 */
final class CudaTensor implements Tensor, AutoCloseable {
    private final int rows;
    private final int cols;
    private final CudaBackend owner;
    private CUdeviceptr ptr;
    private CUdeviceptr bf16;

    CudaTensor(CudaBackend owner, int rows, int cols) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("tensor shape [" + rows + ", " + cols + "] is negative");
        }
        this.owner = owner;
        this.rows = rows;
        this.cols = cols;
        long bytes = (long) rows * cols * Float.BYTES;
        this.ptr = bytes == 0 ? new CUdeviceptr() : owner.allocator().allocate(bytes);
    }

    boolean ownedBy(CudaBackend b) {
        return owner == b;
    }

    /** The float32 buffer. */
    synchronized CUdeviceptr ptr() {
        if (ptr == null) {
            throw new IllegalStateException(this + " was used after close()");
        }
        return ptr;
    }

    synchronized CUdeviceptr bf16() {
        ptr();
        return bf16;
    }

    /** Attaches a bfloat16 copy (from the allocator) that this tensor then owns. */
    synchronized void attachBf16(CUdeviceptr p) {
        bf16 = p;
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    synchronized boolean isClosed() {
        return ptr == null;
    }

    @Override
    public synchronized void close() {
        if (ptr == null) {
            return;
        }
        if (size() > 0) {
            owner.allocator().free(ptr);
        }
        if (bf16 != null) {
            owner.allocator().free(bf16);
            bf16 = null;
        }
        ptr = null;
    }

    @Override
    public String toString() {
        return "CudaTensor" + shape();
    }
}
