package org.qpert.core.backend;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Recycles the arrays of the CPU backend's closed tensors. Why: a ViT-g forward makes ~940 MB of intermediate tensors;
 * allocated afresh for every image they cost a young collection per forward (bench/RESULTS.md, "garbage per
 * forward"). A {@link TensorScope} closes a layer's intermediates when the layer ends and a pass's when it returns, and
 * their arrays come back here, so a stream of forwards of the same shapes allocates next to nothing. Arrays are keyed
 * by exact length (a model's shapes repeat), handed out zeroed as {@code new float[]} would be, newest first, and at
 * most {@code capacityBytes} are held: beyond that a closed tensor's array is left to the collector.
 */
final class FloatArrayPool {
    private final ConcurrentHashMap<Integer, ConcurrentLinkedDeque<float[]>> free = new ConcurrentHashMap<>();
    private final AtomicLong held = new AtomicLong();
    private final long capacityBytes;

    FloatArrayPool(long capacityBytes) {
        this.capacityBytes = capacityBytes;
    }

    /** An eighth of the heap, at most 1 GiB: a layer's intermediates for a batch of images, with room to spare. */
    static FloatArrayPool sizedForHeap() {
        return new FloatArrayPool(Math.min(1L << 30, Runtime.getRuntime().maxMemory() / 8));
    }

    /** A zeroed array of {@code length} floats, recycled when one is free. */
    float[] take(int length) {
        ConcurrentLinkedDeque<float[]> q = free.get(length);
        float[] a = q == null ? null : q.pollFirst();
        if (a == null) {
            return new float[length];
        }
        held.addAndGet(-4L * length);
        Arrays.fill(a, 0f);
        return a;
    }

    /** Takes back the array of a closed tensor; no one may use it after this. */
    void give(float[] a) {
        long bytes = 4L * a.length;
        if (a.length == 0 || held.addAndGet(bytes) > capacityBytes) {
            held.addAndGet(-bytes);
            return;
        }
        free.computeIfAbsent(a.length, k -> new ConcurrentLinkedDeque<>()).offerFirst(a);
    }

    /** Bytes held for reuse now. */
    long heldBytes() {
        return held.get();
    }
}
