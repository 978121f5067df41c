package org.qpert.core.backend.cpu;

/**
 * The panel layout the matrix kernels stream: the right-hand side B [k, n] is cut into column panels of {@code nr}
 * columns; panel p holds rows 0..k-1 of columns p·nr..p·nr+nr-1 contiguously (zero past n), so the micro-kernel reads
 * B strictly forward.
 */
public final class Packing {
    private Packing() {
    }

    public static int panels(int n, int nr) {
        return (n + nr - 1) / nr;
    }

    /** Size of the packed form of an n-column, k-row B. */
    public static int packedSize(int k, int n, int nr) {
        long size = (long) panels(n, nr) * nr * k;
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("matrix [" + k + ", " + n + "] too large to pack into one array");
        }
        return (int) size;
    }

    /**
     * Packs B = Wᵀ where W [n, k] is row-major at {@code w[off + j·ld + p]} (PyTorch Linear weight, or attention keys).
     */
    public static void packTransposed(float[] w, int off, int ld, int n, int k, int nr, float[] dst) {
        int panels = panels(n, nr);
        for (int pn = 0; pn < panels; pn++) {
            int base = pn * nr * k;
            for (int j = 0; j < nr; j++) {
                int col = pn * nr + j;
                if (col < n) {
                    int src = off + col * ld;
                    for (int p = 0; p < k; p++) {
                        dst[base + p * nr + j] = w[src + p];
                    }
                } else {
                    for (int p = 0; p < k; p++) {
                        dst[base + p * nr + j] = 0f;
                    }
                }
            }
        }
    }

    /** Packs B [k, n] given row-major at {@code b[off + p·ld + j]} (attention values). */
    public static void pack(float[] b, int off, int ld, int k, int n, int nr, float[] dst) {
        int panels = panels(n, nr);
        for (int pn = 0; pn < panels; pn++) {
            int base = pn * nr * k;
            int c0 = pn * nr, width = Math.min(nr, n - c0);
            for (int p = 0; p < k; p++) {
                int d = base + p * nr;
                System.arraycopy(b, off + p * ld + c0, dst, d, width);
                for (int j = width; j < nr; j++) {
                    dst[d + j] = 0f;
                }
            }
        }
    }

    /** Inverse of {@link #packTransposed} for a whole weight: W [n, k] row-major. */
    public static float[] unpackTransposed(float[] packed, int n, int k, int nr) {
        float[] w = new float[Math.multiplyExact(n, k)];
        for (int col = 0; col < n; col++) {
            int base = (col / nr) * nr * k, j = col % nr;
            for (int p = 0; p < k; p++) {
                w[col * k + p] = packed[base + p * nr + j];
            }
        }
        return w;
    }
}
