package org.qpert.core.retrieval;

import java.util.Arrays;

/**
 * The k best columns of each row of a score matrix, best first. Order: higher score first; equal scores in ascending
 * column index (the same order {@link Ranks} uses, so the top-k and the ranks never disagree). NaN scores are
 * rejected.
 */
public final class TopK {
    private TopK() {
    }

    /** For each row, the indices of its min(k, cols) best columns, best first. */
    public static int[][] ofRows(ScoreMatrix m, int k) {
        if (k <= 0) {
            throw new IllegalArgumentException("top-k: k must be positive, got " + k);
        }
        int keep = Math.min(k, m.cols());
        int[][] out = new int[m.rows()][];
        int[] heap = new int[keep];
        for (int r = 0; r < m.rows(); r++) {
            out[r] = rowTopK(m.values(), r * m.cols(), m.cols(), keep, heap, r);
        }
        return out;
    }

    /**
     * Bounded min-heap of column indices whose root is the worst kept column; a column replaces the root when it
     * beats it. O(cols · log k) per row, no per-element allocation.
     */
    private static int[] rowTopK(float[] v, int base, int cols, int keep, int[] heap, int row) {
        int size = 0;
        for (int c = 0; c < cols; c++) {
            float s = v[base + c];
            if (Float.isNaN(s)) {
                throw new IllegalArgumentException("score matrix has NaN at row " + row + ", column " + c);
            }
            if (size < keep) {
                heap[size] = c;
                siftUp(v, base, heap, size++);
            } else if (better(v, base, c, heap[0])) {
                heap[0] = c;
                siftDown(v, base, heap, keep);
            }
        }
        int[] result = Arrays.copyOf(heap, keep);
        // Pop worst-first into the tail: result ends up best-first.
        for (int n = keep; n > 1; n--) {
            int worst = heap[0];
            heap[0] = heap[n - 1];
            siftDown(v, base, heap, n - 1);
            result[n - 1] = worst;
        }
        if (keep > 0) {
            result[0] = heap[0];
        }
        return result;
    }

    /** Whether column a ranks before column b. */
    static boolean better(float[] v, int base, int a, int b) {
        float sa = v[base + a], sb = v[base + b];
        return sa > sb || (sa == sb && a < b);
    }

    private static void siftUp(float[] v, int base, int[] heap, int i) {
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!better(v, base, heap[parent], heap[i])) {
                return;
            }
            swap(heap, i, parent);
            i = parent;
        }
    }

    private static void siftDown(float[] v, int base, int[] heap, int size) {
        int i = 0;
        while (true) {
            int l = 2 * i + 1, r = l + 1, worst = i;
            if (l < size && better(v, base, heap[worst], heap[l])) {
                worst = l;
            }
            if (r < size && better(v, base, heap[worst], heap[r])) {
                worst = r;
            }
            if (worst == i) {
                return;
            }
            swap(heap, i, worst);
            i = worst;
        }
    }

    private static void swap(int[] a, int i, int j) {
        int t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}
