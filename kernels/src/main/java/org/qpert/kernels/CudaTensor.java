package org.qpert.kernels;

import jcuda.driver.CUdeviceptr;
import org.qpert.core.backend.Tensor;

/**
 * A row-major float32 matrix in device memory. A weight in BF16 mode also carries a bfloat16 copy for the tensor-core
 * GEMM. The device buffers live as long as this object (see {@link DeviceAllocator}).
 */
final class CudaTensor implements Tensor {
    final CUdeviceptr ptr;
    private final int rows;
    private final int cols;
    private final CudaBackend owner;
    private CUdeviceptr bf16;

    CudaTensor(CudaBackend owner, int rows, int cols) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("tensor shape [" + rows + ", " + cols + "] is negative");
        }
        this.owner = owner;
        this.rows = rows;
        this.cols = cols;
        long bytes = (long) rows * cols * Float.BYTES;
        this.ptr = bytes == 0 ? new CUdeviceptr() : owner.allocator().allocate(this, bytes);
    }

    boolean ownedBy(CudaBackend b) {
        return owner == b;
    }

    synchronized CUdeviceptr bf16() {
        return bf16;
    }

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

    @Override
    public String toString() {
        return "CudaTensor" + shape();
    }
}
