package org.qpert.kernels;

import jcuda.driver.CUdeviceptr;
import org.qpert.core.backend.Tensor;
import org.qpert.core.backend.TensorScope;

/**
 * A row-major matrix in device memory: float32, or a weight kept in 16 bits ({@link Storage}; see
 * {@link CudaBackend#weight}), one buffer either way. It owns its buffer: {@link #close} returns it to the backend's allocator (idempotent);
 * using the tensor afterwards fails with a clear message instead of reading freed memory. A tensor made while a
 * {@link TensorScope} is open on the thread is closed with that scope unless kept.
 */
final class CudaTensor implements Tensor, AutoCloseable {
    /** Element type of the device buffer: activations are F32, a weight keeps the type it is multiplied in. */
    enum Storage {
        F32(4), F16(2), BF16(2);

        final int bytes;

        Storage(int bytes) {
            this.bytes = bytes;
        }
    }

    private final int rows;
    private final int cols;
    private final Storage storage;
    private final CudaBackend owner;
    private CUdeviceptr ptr;

    CudaTensor(CudaBackend owner, int rows, int cols) {
        this(owner, rows, cols, Storage.F32);
    }

    CudaTensor(CudaBackend owner, int rows, int cols, Storage storage) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("tensor shape [" + rows + ", " + cols + "] is negative");
        }
        this.owner = owner;
        this.rows = rows;
        this.cols = cols;
        this.storage = storage;
        long bytes = (long) rows * cols * storage.bytes;
        this.ptr = bytes == 0 ? new CUdeviceptr() : owner.allocator().allocate(bytes);
        // As CpuTensor: a forward's intermediates go back to the allocator when its scope closes.
        TensorScope.track(this);
    }

    boolean ownedBy(CudaBackend b) {
        return owner == b;
    }

    /** The buffer, of {@link #storage()} elements. */
    synchronized CUdeviceptr ptr() {
        if (ptr == null) {
            throw new IllegalStateException(this + " was used after close()");
        }
        return ptr;
    }

    /** The float32 buffer of an operand that only float32 kernels read. */
    CUdeviceptr f32(String what) {
        if (storage != Storage.F32) {
            throw new IllegalArgumentException(what + " " + this + " is a " + storage + " weight; this op reads float32");
        }
        return ptr();
    }

    Storage storage() {
        return storage;
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
    public synchronized void close() {
        if (ptr == null) {
            return;
        }
        if (size() > 0) {
            owner.allocator().free(ptr);
        }
        ptr = null;
    }

    @Override
    public String toString() {
        return "CudaTensor" + shape() + (storage == Storage.F32 ? "" : " " + storage);
    }
}
