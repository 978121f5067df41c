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

    /**
     * Packs panel {@code pn} of B = Wᵀ for a 16-bit W [n, k] given row-major in {@code w} (a view of the checkpoint):
     * the 16-bit bits are copied, not converted, into the packed weight at {@code dst[dstOff..]}. {@code row} is scratch of at least k shorts. Returns true when F16
     * bits hold an infinity or NaN ({@code f16} set), which the widening kernels cannot represent.
     */
    public static boolean packPanel16(java.nio.ShortBuffer w, int n, int k, int nr, int pn, boolean f16, short[] row,
                                      short[] dst, int dstOff) {
        int base = dstOff + pn * nr * k;
        boolean nonFinite = false;
        for (int j = 0; j < nr; j++) {
            int col = pn * nr + j;
            if (col < n) {
                w.get(col * k, row, 0, k);
                for (int p = 0; p < k; p++) {
                    short h = row[p];
                    nonFinite |= f16 && (h & 0x7c00) == 0x7c00;
                    dst[base + p * nr + j] = h;
                }
            } else {
                for (int p = 0; p < k; p++) {
                    dst[base + p * nr + j] = 0;
                }
            }
        }
        return nonFinite;
    }

    /** Inverse of {@link #packPanel16} for a whole weight packed from {@code packed[off..]}: the 16-bit W [n, k] row-major. */
    public static short[] unpackTransposed16(short[] packed, int off, int n, int k, int nr) {
        short[] w = new short[Math.multiplyExact(n, k)];
        for (int col = 0; col < n; col++) {
            int base = off + (col / nr) * nr * k, j = col % nr;
            for (int p = 0; p < k; p++) {
                w[col * k + p] = packed[base + p * nr + j];
            }
        }
        return w;
    }
}
