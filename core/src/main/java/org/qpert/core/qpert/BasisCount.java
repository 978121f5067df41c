package org.qpert.core.qpert;

/** The number k of eigenvectors an object keeps, from its eigenvalues and τ (spec/QPERT.md §4). */
final class BasisCount {
    /** Eigenvalues at or below this fraction of the largest count as zero for an integer τ. */
    static final double RANK_TOLERANCE = 1e-5;

    private BasisCount() {
    }

    /**
     * k for the {@code n} eigenvalues {@code values[offset..offset+n)}, sorted descending. {@code fixed} > 0 is an
     * integer τ; otherwise {@code tau} is an energy fraction in (0, 1).
     *
     * <p>Never more than the number of positive eigenvalues: eigenvectors of a zero eigenvalue span an arbitrary
     * part of the null space (and the Gram path cannot map them back). With exact arithmetic the energy rule never
     * reaches them anyway, so this only decides the degenerate case of all-zero weighted keys: k = 0.
     */
    static int of(double[] values, int offset, int n, double tau, int fixed) {
        int positive = 0;
        double total = 0;
        for (int i = 0; i < n; i++) {
            double v = values[offset + i];
            total += v;
            if (v > 0) {
                positive++;
            }
        }
        if (positive == 0 || !(total > 0)) {
            return 0;
        }
        if (fixed > 0) {
            double floor = RANK_TOLERANCE * values[offset];
            int rank = 0;
            for (int i = 0; i < n; i++) {
                if (values[offset + i] > floor) {
                    rank++;
                }
            }
            return Math.min(fixed, rank);
        }
        int below = 0;
        double cumulative = 0;
        for (int i = 0; i < n; i++) {
            cumulative += values[offset + i];
            if (cumulative / total < tau) {
                below++;
            }
        }
        return Math.min(Math.max(1, below), positive);
    }
}
