package org.qpert.core.backend;

/**
 * Eigenpairs of a batch of symmetric n×n matrices.
 *
 * @param count   number of matrices
 * @param n       matrix order
 * @param values  [count × n], per matrix sorted descending
 * @param vectors [count × n × n], {@code vectors[(m*n + i)*n + j]} = component j of the i-th eigenvector of matrix m
 *                (eigenvectors are rows, in the order of {@code values})
 */
public record SymmetricEigen(int count, int n, double[] values, double[] vectors) {
    public SymmetricEigen {
        if (values.length != (long) count * n || vectors.length != (long) count * n * n) {
            throw new IllegalArgumentException("eigen result sizes do not match count=" + count + " n=" + n);
        }
    }

    public double value(int matrix, int i) {
        return values[matrix * n + i];
    }

    public double vector(int matrix, int i, int j) {
        return vectors[(matrix * n + i) * n + j];
    }
}
