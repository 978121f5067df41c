package org.qpert.core.backend;

import java.util.Arrays;

/**
 * Row ranges of a stacked batch: segment i is rows {@code start(i) .. start(i)+length(i)-1} of a tensor. The rows of
 * a batch tile their tensor ({@link #tiles}); key segments may also point several items at the same rows (e.g. many
 * captions against one image's keys) or leave rows unused. Immutable; validated here once for every backend.
 */
public final class Segments {
    private final int[] starts;
    private final int[] lengths;

    private Segments(int[] starts, int[] lengths) {
        if (starts.length != lengths.length) {
            throw new IllegalArgumentException("segments: " + starts.length + " starts for " + lengths.length
                    + " lengths");
        }
        for (int i = 0; i < starts.length; i++) {
            if (starts[i] < 0 || lengths[i] < 0 || (long) starts[i] + lengths[i] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("segment " + i + " (start " + starts[i] + ", length " + lengths[i]
                        + ") is not a row range");
            }
        }
        this.starts = starts;
        this.lengths = lengths;
    }

    /** One segment over all {@code rows} rows: the batch of one. */
    public static Segments single(int rows) {
        return new Segments(new int[] {0}, new int[] {rows});
    }

    /** {@code count} consecutive segments of {@code length} rows each. */
    public static Segments uniform(int count, int length) {
        if (count < 0) {
            throw new IllegalArgumentException("segment count " + count + " is negative");
        }
        int[] lengths = new int[count];
        Arrays.fill(lengths, length);
        return ofLengths(lengths);
    }

    /** Consecutive segments of the given lengths from row 0. */
    public static Segments ofLengths(int... lengths) {
        int[] starts = new int[lengths.length];
        long at = 0;
        for (int i = 0; i < lengths.length; i++) {
            if (lengths[i] < 0 || at > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("segment " + i + " has length " + lengths[i] + " at row " + at);
            }
            starts[i] = (int) at;
            at += lengths[i];
        }
        return new Segments(starts, lengths.clone());
    }

    /** Arbitrary row ranges, e.g. key segments that share rows. */
    public static Segments of(int[] starts, int[] lengths) {
        return new Segments(starts.clone(), lengths.clone());
    }

    public int count() {
        return starts.length;
    }

    public int start(int i) {
        return starts[i];
    }

    public int length(int i) {
        return lengths[i];
    }

    public int end(int i) {
        return starts[i] + lengths[i];
    }

    /** The longest segment's length (0 without segments). */
    public int maxLength() {
        return Arrays.stream(lengths).max().orElse(0);
    }

    /** Whether the segments are consecutive from row 0 and cover exactly {@code rows} rows. */
    public boolean tiles(int rows) {
        int at = 0;
        for (int i = 0; i < starts.length; i++) {
            if (starts[i] != at) {
                return false;
            }
            at += lengths[i];
        }
        return at == rows;
    }

    /** Throws unless the segments tile the rows of {@code t} ({@code what} names it in the message). */
    public void requireTiling(String what, Tensor t) {
        if (!tiles(t.rows())) {
            throw new IllegalArgumentException(what + " " + t.shape() + " is not tiled by the segments " + this);
        }
    }

    /** Throws unless every segment lies within the rows of {@code t}. */
    public void requireWithin(String what, Tensor t) {
        for (int i = 0; i < starts.length; i++) {
            if (end(i) > t.rows()) {
                throw new IllegalArgumentException("segment " + i + " (rows " + starts[i] + ".." + (end(i) - 1)
                        + ") lies outside " + what + " " + t.shape());
            }
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Segments s && Arrays.equals(starts, s.starts) && Arrays.equals(lengths, s.lengths);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(starts) + Arrays.hashCode(lengths);
    }

    /** e.g. {@code [0+32, 32+32]} (start+length per segment). */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < starts.length; i++) {
            s.append(i == 0 ? "" : ", ").append(starts[i]).append('+').append(lengths[i]);
            if (i == 15 && starts.length > 17) {
                s.append(", ... (").append(starts.length).append(" segments)");
                break;
            }
        }
        return s.append(']').toString();
    }
}
