package org.qpert.kernels;

import java.util.List;

import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.JCudaDriver;
import org.qpert.core.backend.ProjectorProblem.CoveredTokens;

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

    /** The covered tokens and weights of objects given on the host, uploaded: [objects] over T tokens. */
    static ObjectTokens of(CudaBackend backend, List<CoveredTokens> objects, int tokens) {
        int n = objects.size();
        int[] count = new int[n];
        int[] index = new int[n * tokens];
        float[] compact = new float[n * tokens];
        float[] weights = new float[n * tokens];
        for (int b = 0; b < n; b++) {
            CoveredTokens o = objects.get(b);
            count[b] = o.count();
            for (int a = 0; a < o.count(); a++) {
                index[b * tokens + a] = o.tokens()[a];
                compact[b * tokens + a] = (float) o.weights()[a];
                weights[b * tokens + o.tokens()[a]] = (float) o.weights()[a];
            }
        }
        backend.context().enter();
        ObjectTokens out = new ObjectTokens(backend, n, tokens);
        JCudaDriver.cuMemcpyHtoD(out.count, Pointer.to(count), (long) n * Sizeof.INT);
        JCudaDriver.cuMemcpyHtoD(out.index, Pointer.to(index), (long) index.length * Sizeof.INT);
        JCudaDriver.cuMemcpyHtoD(out.compact, Pointer.to(compact), (long) compact.length * Sizeof.FLOAT);
        JCudaDriver.cuMemcpyHtoD(out.weights, Pointer.to(weights), (long) weights.length * Sizeof.FLOAT);
        return out;
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
