package org.qpert.kernels;

import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.JCudaDriver;

/**
 * Token weights of a batch of boxes on the device (token_coverage.cu): per box the weights of all T tokens and,
 * compacted in token order, the tokens with a non-zero weight. The buffers are returned by {@link #close}.
 */
public final class ObjectTokens implements AutoCloseable {
    final CudaBackend backend;
    final int boxes;
    final int tokens;
    final CUdeviceptr weights;
    final CUdeviceptr count;
    final CUdeviceptr index;
    final CUdeviceptr compact;

    ObjectTokens(CudaBackend backend, int boxes, int tokens) {
        this.backend = backend;
        this.boxes = boxes;
        this.tokens = tokens;
        long slots = (long) boxes * tokens;
        DeviceAllocator a = backend.allocator();
        this.weights = a.allocate(slots * Sizeof.FLOAT);
        this.count = a.allocate((long) boxes * Sizeof.INT);
        this.index = a.allocate(slots * Sizeof.INT);
        this.compact = a.allocate(slots * Sizeof.FLOAT);
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        DeviceAllocator a = backend.allocator();
        a.free(weights);
        a.free(count);
        a.free(index);
        a.free(compact);
    }

    private boolean closed;

    synchronized void requireOpen() {
        if (closed) {
            throw new IllegalStateException("object tokens used after close()");
        }
    }

    public int boxes() {
        return boxes;
    }

    public int tokens() {
        return tokens;
    }

    /** Weights [boxes, T]; token 0 (CLS) is always 0. */
    public float[] weights() {
        float[] w = new float[boxes * tokens];
        copy(Pointer.to(w), weights, (long) w.length * Sizeof.FLOAT);
        return w;
    }

    /** Number of tokens with a non-zero weight, per box. */
    public int[] counts() {
        int[] c = new int[boxes];
        copy(Pointer.to(c), count, (long) c.length * Sizeof.INT);
        return c;
    }

    /** [boxes, T]: the first counts()[b] entries of row b are the covered tokens, in increasing order. */
    public int[] coveredTokens() {
        int[] ix = new int[boxes * tokens];
        copy(Pointer.to(ix), index, (long) ix.length * Sizeof.INT);
        return ix;
    }

    private void copy(Pointer host, CUdeviceptr device, long bytes) {
        requireOpen();
        backend.context().enter();
        backend.context().synchronize();
        JCudaDriver.cuMemcpyDtoH(host, device, bytes);
    }
}
