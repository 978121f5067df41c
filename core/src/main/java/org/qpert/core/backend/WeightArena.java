package org.qpert.core.backend;

import java.util.ArrayList;
import java.util.List;

/**
 * Hands out the 16-bit weight panels of one CPU backend as slices of a few large {@code short[]} chunks instead of
 * one array per weight. Why: a real-size model has ~900 weights of 1–17 MB; allocated one by one they land in the
 * young generation, and the garbage collector copied them while the model loaded and grew the heap through a string
 * of full collections (measured: 12 pauses, 4–9 s of a 13–17 s load on a loaded machine; bench/RESULTS.md,
 * start-up). A chunk larger than the young generation's eden is allocated directly in the old generation and never
 * copied, and a few huge arrays cost a collection nothing to mark.
 *
 * <p>Chunks double from {@value #FIRST_CHUNK} shorts up to {@value #MAX_CHUNK} (128 MiB), so a small model wastes
 * little; a weight goes into the first chunk with room for it (later, smaller weights fill the tails that larger ones
 * left), a new chunk is opened when none has room, and a weight larger than a chunk gets its own. What stays unused
 * is at most the free part of the last chunk plus tails smaller than every later weight. A chunk lives as long as
 * any weight in it.
 */
final class WeightArena {
    static final int FIRST_CHUNK = 1 << 20;
    static final int MAX_CHUNK = 1 << 26;

    /** A weight's panels: {@code length} shorts of {@code array} from {@code offset}. */
    record Slice(short[] array, int offset, int length) {
    }

    private final List<short[]> chunks = new ArrayList<>();
    private final List<Integer> used = new ArrayList<>();
    private int nextSize = FIRST_CHUNK;

    /** A zeroed slice of {@code length} shorts. Safe to call from several threads. */
    synchronized Slice allocate(int length) {
        for (int i = 0; i < chunks.size(); i++) {
            if (chunks.get(i).length - used.get(i) >= length) {
                return take(i, length);
            }
        }
        chunks.add(new short[Math.max(length, nextSize)]);
        used.add(0);
        nextSize = (int) Math.min(MAX_CHUNK, 2L * nextSize);
        return take(chunks.size() - 1, length);
    }

    private Slice take(int chunk, int length) {
        int offset = used.get(chunk);
        used.set(chunk, offset + length);
        return new Slice(chunks.get(chunk), offset, length);
    }
}
