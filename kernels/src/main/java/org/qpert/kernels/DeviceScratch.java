package org.qpert.kernels;

import java.util.ArrayList;
import java.util.List;

import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.JCudaDriver;

/**
 * The temporary device buffers of one operation, returned together by {@link #close} (try-with-resources). Closing
 * right after the last launch that uses them is queued is safe: see {@link DeviceAllocator}.
 */
final class DeviceScratch implements AutoCloseable {
    private final DeviceAllocator allocator;
    private final List<CUdeviceptr> buffers = new ArrayList<>();

    DeviceScratch(DeviceAllocator allocator) {
        this.allocator = allocator;
    }

    CUdeviceptr allocate(long bytes) {
        CUdeviceptr p = allocator.allocate(Math.max(1, bytes));
        buffers.add(p);
        return p;
    }

    CUdeviceptr upload(float[] data) {
        CUdeviceptr p = allocate((long) data.length * Sizeof.FLOAT);
        if (data.length > 0) {
            JCudaDriver.cuMemcpyHtoD(p, Pointer.to(data), (long) data.length * Sizeof.FLOAT);
        }
        return p;
    }

    CUdeviceptr upload(int[] data) {
        CUdeviceptr p = allocate((long) data.length * Sizeof.INT);
        if (data.length > 0) {
            JCudaDriver.cuMemcpyHtoD(p, Pointer.to(data), (long) data.length * Sizeof.INT);
        }
        return p;
    }

    CUdeviceptr upload(double[] data) {
        CUdeviceptr p = allocate((long) data.length * Sizeof.DOUBLE);
        if (data.length > 0) {
            JCudaDriver.cuMemcpyHtoD(p, Pointer.to(data), (long) data.length * Sizeof.DOUBLE);
        }
        return p;
    }

    @Override
    public void close() {
        for (CUdeviceptr p : buffers) {
            allocator.free(p);
        }
        buffers.clear();
    }
}
