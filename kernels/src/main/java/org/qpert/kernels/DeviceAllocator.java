package org.qpert.kernels;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

import jcuda.CudaException;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/**
 * Device memory with explicit owners: a buffer is returned by its owner's {@code close()} ({@link CudaTensor}, the
 * {@link DeviceScratch} of one operation) or when the backend closes; nothing waits for the garbage collector.
 *
 * <p>Returned buffers are cached by size and handed to the next allocation of that size. All work runs on the
 * backend's one stream, so a buffer returned right after queuing the last kernel that reads it is only reused by
 * work queued after that kernel (the rule of PyTorch's caching allocator): returning never waits for the device, and
 * a forward that repeats its shapes allocates nothing new. When cuMemAlloc runs out of memory the cache is released
 * (cuMemFree) and the allocation retried once. Sizes are rounded up to 512 bytes.
 */
final class DeviceAllocator {
    private static final System.Logger LOG = System.getLogger(DeviceAllocator.class.getName());
    static final long GRANULE = 512;

    private final Map<Long, ArrayDeque<CUdeviceptr>> cache = new HashMap<>();
    private final Map<CUdeviceptr, Long> live = new HashMap<>();
    private long liveBytes;
    private long cachedBytes;

    static long rounded(long bytes) {
        return (bytes + GRANULE - 1) / GRANULE * GRANULE;
    }

    /** A buffer of at least {@code bytes}, owned by the caller until {@link #free}. */
    synchronized CUdeviceptr allocate(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("device allocation of " + bytes + " bytes");
        }
        long size = rounded(bytes);
        ArrayDeque<CUdeviceptr> free = cache.get(size);
        CUdeviceptr ptr = free == null ? null : free.poll();
        if (ptr != null) {
            cachedBytes -= size;
        } else {
            ptr = new CUdeviceptr();
            try {
                JCudaDriver.cuMemAlloc(ptr, size);
            } catch (CudaException e) {
                if (!e.getMessage().contains(CUresult.stringFor(CUresult.CUDA_ERROR_OUT_OF_MEMORY)) || cachedBytes == 0) {
                    throw outOfMemory(size, e);
                }
                releaseCache();
                try {
                    JCudaDriver.cuMemAlloc(ptr, size);
                } catch (CudaException again) {
                    throw outOfMemory(size, again);
                }
            }
        }
        live.put(ptr, size);
        liveBytes += size;
        return ptr;
    }

    /** Returns a buffer from {@link #allocate} for reuse by work queued after this call. */
    synchronized void free(CUdeviceptr ptr) {
        Long size = live.remove(ptr);
        if (size == null) {
            throw new IllegalStateException("device buffer " + ptr + " freed twice or not from this allocator");
        }
        liveBytes -= size;
        cachedBytes += size;
        cache.computeIfAbsent(size, s -> new ArrayDeque<>()).push(ptr);
    }

    synchronized long liveBytes() {
        return liveBytes;
    }

    /** Frees every buffer, owned or cached (the backend is closing); says how much was still owned. */
    synchronized void freeAll() {
        if (!live.isEmpty()) {
            long bytes = liveBytes;
            int n = live.size();
            LOG.log(System.Logger.Level.DEBUG, () -> n + " device buffers (" + bytes + " bytes) still owned at close");
        }
        for (CUdeviceptr p : live.keySet()) {
            JCudaDriver.cuMemFree(p);
        }
        live.clear();
        liveBytes = 0;
        releaseCache();
    }

    private void releaseCache() {
        for (ArrayDeque<CUdeviceptr> q : cache.values()) {
            for (CUdeviceptr p : q) {
                JCudaDriver.cuMemFree(p);
            }
        }
        cache.clear();
        cachedBytes = 0;
    }

    private IllegalStateException outOfMemory(long size, CudaException e) {
        return new IllegalStateException("out of device memory allocating " + size + " bytes with " + liveBytes
                + " bytes in " + live.size() + " live buffers (close tensors that are no longer needed)", e);
    }
}
