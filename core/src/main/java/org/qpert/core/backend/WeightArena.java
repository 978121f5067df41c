package org.qpert.core.backend;

/**
 * Hands out the 16-bit weight panels of one CPU backend as slices of a few large {@code short[]} chunks instead of
 * one array per weight. Why: a real-size model has ~900 weights of 1–17 MB; allocated one by one they land in the
 * young generation and the garbage collector copied all 2.3 GB of them once or twice while the model loaded, and grew
 * the heap through a string of full collections (measured: 12 pauses, 4–6 s of a 10–20 s load; bench/RESULTS.md,
 * start-up). A chunk too large for the young generation is allocated directly in the old one and never copied, and
 * a few huge arrays cost a collection nothing to mark.
 *
 * <p>Chunks double from {@value #FIRST_CHUNK} shorts up to {@value #MAX_CHUNK} (256 MiB), so a small model wastes
 * little; a weight that does not fit the rest of the current chunk starts a new one (the rest, smaller than that
 * weight, stays unused), and a weight larger than a chunk gets its own. A chunk lives as long as any weight in it.
 */
final class WeightArena {
    static final int FIRST_CHUNK = 1 << 20;
    static final int MAX_CHUNK = 1 << 27;

    /** A weight's panels: {@code length} shorts of {@code array} from {@code offset}. */
    record Slice(short[] array, int offset, int length) {
    }

    private short[] chunk = new short[0];
    private int used;
    private int nextSize = FIRST_CHUNK;

    /** A zeroed slice of {@code length} shorts. Safe to call from several threads. */
    synchronized Slice allocate(int length) {
        if (length > chunk.length - used) {
            int size = Math.max(length, nextSize);
            chunk = new short[size];
            used = 0;
            nextSize = (int) Math.min(MAX_CHUNK, 2L * nextSize);
        }
        Slice s = new Slice(chunk, used, length);
        used += length;
        return s;
    }
}
