package org.qpert.core.retrieval;

/**
 * A dense {@code rows × cols} score matrix, row-major. Rows are the queries of one retrieval direction and columns the
 * gallery: an image→text matrix has one row per image, a text→image matrix one row per text.
 */
public record ScoreMatrix(int rows, int cols, float[] values) {

    public ScoreMatrix {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("score matrix shape must be non-negative, got " + rows + " x " + cols);
        }
        if (values.length != (long) rows * cols) {
            throw new IllegalArgumentException("score matrix " + rows + " x " + cols + " needs " + (long) rows * cols
                    + " values, got " + values.length);
        }
    }

    /** A matrix from rows given as arrays (tests and small hand-made cases). */
    public static ScoreMatrix of(float[]... rowValues) {
        int rows = rowValues.length;
        int cols = rows == 0 ? 0 : rowValues[0].length;
        float[] v = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            if (rowValues[r].length != cols) {
                throw new IllegalArgumentException("row " + r + " has " + rowValues[r].length + " values, row 0 has "
                        + cols);
            }
            System.arraycopy(rowValues[r], 0, v, r * cols, cols);
        }
        return new ScoreMatrix(rows, cols, v);
    }

    public float get(int row, int col) {
        return values[row * cols + col];
    }

    /** The first {@code count} rows, e.g. the images of a pool that are queries. */
    public ScoreMatrix firstRows(int count) {
        if (count < 0 || count > rows) {
            throw new IllegalArgumentException("cannot take " + count + " of " + rows + " rows");
        }
        return new ScoreMatrix(count, cols, java.util.Arrays.copyOf(values, count * cols));
    }

    public ScoreMatrix transpose() {
        float[] t = new float[values.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = values[r * cols + c];
            }
        }
        return new ScoreMatrix(cols, rows, t);
    }
}
