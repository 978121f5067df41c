package org.qpert.loaders.text;

/**
 * A batch of texts as a rectangular block: {@code ids[b][t]} and {@code attentionMask[b][t]}, every row
 * {@code length} long.
 */
public record EncodedBatch(int[][] ids, int[][] attentionMask, int length) {

    public int size() {
        return ids.length;
    }

    /** Row-major {@code [size, length]} copy of the ids, as model inputs want them. */
    public int[] flatIds() {
        return flatten(ids);
    }

    /** Row-major {@code [size, length]} copy of the mask. */
    public int[] flatAttentionMask() {
        return flatten(attentionMask);
    }

    private int[] flatten(int[][] rows) {
        int[] flat = new int[rows.length * length];
        for (int b = 0; b < rows.length; b++) {
            System.arraycopy(rows[b], 0, flat, b * length, length);
        }
        return flat;
    }
}
