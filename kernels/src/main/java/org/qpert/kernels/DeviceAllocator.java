package org.qpert.kernels;

import java.lang.ref.PhantomReference;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.util.HashSet;
import java.util.Set;

import jcuda.CudaException;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;

/**
 * Device memory owned by Java objects: a buffer is freed when its owner (a {@link CudaTensor}) becomes unreachable,
 * or when the backend closes. The model code has no "free" call, so the garbage collector decides; because it only
 * sees the small Java handles, the allocator asks for a collection when live device memory passes a budget or an
 * allocation fails (as the JDK does for direct buffers). Frees happen on allocating threads, which have the context
 * current. cuMemFree waits for queued work, so a buffer whose owner died mid-launch is never freed under a kernel.
 */
final class DeviceAllocator {
    private static final System.Logger LOG = System.getLogger(DeviceAllocator.class.getName());

    private final ReferenceQueue<Object> queue = new ReferenceQueue<>();
    private final Set<Handle> live = new HashSet<>();
    private final long budget;
    private long liveBytes;

    /** @param budget bytes of live buffers above which a garbage collection is requested before allocating */
    DeviceAllocator(long budget) {
        this.budget = budget;
    }

    private static final class Handle extends PhantomReference<Object> {
        final CUdeviceptr ptr;
        final long bytes;

        Handle(Object owner, ReferenceQueue<Object> q, CUdeviceptr ptr, long bytes) {
            super(owner, q);
            this.ptr = ptr;
            this.bytes = bytes;
        }
    }

    /** A buffer of {@code bytes} freed once {@code owner} is unreachable. */
    synchronized CUdeviceptr allocate(Object owner, long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("device allocation of " + bytes + " bytes");
        }
        drain();
        if (liveBytes + bytes > budget) {
            collect();
        }
        CUdeviceptr ptr = new CUdeviceptr();
        try {
            JCudaDriver.cuMemAlloc(ptr, bytes);
        } catch (CudaException e) {
            if (!e.getMessage().contains(CUresult.stringFor(CUresult.CUDA_ERROR_OUT_OF_MEMORY))) {
                throw e;
            }
            collect();
            try {
                JCudaDriver.cuMemAlloc(ptr, bytes);
            } catch (CudaException again) {
                throw new IllegalStateException("out of device memory allocating " + bytes + " bytes with " + liveBytes
                        + " bytes live", again);
            }
        }
        live.add(new Handle(owner, queue, ptr, bytes));
        liveBytes += bytes;
        return ptr;
    }

    synchronized long liveBytes() {
        return liveBytes;
    }

    /** Frees every buffer, reachable or not (the backend is closing). */
    synchronized void freeAll() {
        for (Handle h : live) {
            JCudaDriver.cuMemFree(h.ptr);
            h.clear();
        }
        live.clear();
        liveBytes = 0;
    }

    private void collect() {
        long before = liveBytes;
        System.gc();
        for (int i = 0; i < 20 && drain() == 0; i++) {
            try {
                Thread.sleep(5);  // reference processing runs after the collection, on another thread
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        LOG.log(System.Logger.Level.DEBUG, () -> "device memory collected: " + before + " -> " + liveBytes + " bytes");
    }

    private int drain() {
        int freed = 0;
        for (Reference<?> r = queue.poll(); r != null; r = queue.poll()) {
            Handle h = (Handle) r;
            if (live.remove(h)) {
                JCudaDriver.cuMemFree(h.ptr);
                liveBytes -= h.bytes;
                freed++;
            }
        }
        return freed;
    }
}
