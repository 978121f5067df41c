package org.qpert.kernels;

import java.util.List;

import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.JCudaDriver;
import org.qpert.core.backend.ProjectorProblem.CoveredTokens;

/**
 * The covered tokens of a batch of objects on the device, as the host computed them (core's token coverage through
 * the model card's geometry): per object the number of covered tokens, and in token order their ids and weights.
 * The buffers are returned by {@link #close}.
 */
final class ObjectTokens implements AutoCloseable {
    private static final int THREADS = 256;
    private final CudaBackend backend;
    private final int boxes;
    private final int tokens;
    /** [boxes]: covered tokens per object. */
    final CUdeviceptr count;
    /** [boxes, T]: the first count[b] entries of row b are the covered token ids, increasing. */
    private final CUdeviceptr index;
    /** [boxes, T]: their weights. */
    private final CUdeviceptr compact;
    private boolean closed;

    private ObjectTokens(CudaBackend backend, int boxes, int tokens) {
        this.backend = backend;
        this.boxes = boxes;
        this.tokens = tokens;
        long slots = (long) boxes * tokens;
        DeviceAllocator a = backend.allocator();
        this.count = a.allocate((long) boxes * Sizeof.INT);
        this.index = a.allocate(slots * Sizeof.INT);
        this.compact = a.allocate(slots * Sizeof.FLOAT);
    }

    /** The covered tokens and weights of {@code objects}, uploaded: [objects] over T tokens. */
    static ObjectTokens of(CudaBackend backend, List<CoveredTokens> objects, int tokens) {
        int n = objects.size();
        int[] count = new int[n];
        int[] index = new int[n * tokens];
        float[] compact = new float[n * tokens];
        for (int b = 0; b < n; b++) {
            CoveredTokens o = objects.get(b);
            count[b] = o.count();
            for (int a = 0; a < o.count(); a++) {
                index[b * tokens + a] = o.tokens()[a];
                compact[b * tokens + a] = (float) o.weights()[a];
            }
        }
        backend.context().enter();
        ObjectTokens out = new ObjectTokens(backend, n, tokens);
        JCudaDriver.cuMemcpyHtoD(out.count, Pointer.to(count), (long) n * Sizeof.INT);
        JCudaDriver.cuMemcpyHtoD(out.index, Pointer.to(index), (long) index.length * Sizeof.INT);
        JCudaDriver.cuMemcpyHtoD(out.compact, Pointer.to(compact), (long) compact.length * Sizeof.FLOAT);
        return out;
    }

    /**
     * Writes F = diag(w)·K of these objects into {@code f} [boxes·T, width] (weighted_keys.cu): for object b, rows
     * b·T .. b·T + count_b − 1 hold w·K of its covered tokens; the rest are 0. {@code keys} [T, width] (ProjectorProblem checked the shapes).
     */
    void gatherWeightedKeys(CUdeviceptr f, CudaTensor keys) {
        requireOpen();
        JCudaDriver.cuMemsetD32Async(f, 0, (long) boxes * tokens * keys.cols(), backend.context().stream);
        backend.kernels().gatherWeightedKeys(new Launcher.Grid(tokens, boxes, THREADS, 0), f, keys.ptr(), index,
                compact, count, tokens, keys.cols());
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
        a.free(count);
        a.free(index);
        a.free(compact);
    }

    private synchronized void requireOpen() {
        if (closed) {
            throw new IllegalStateException("object tokens used after close()");
        }
    }
}
