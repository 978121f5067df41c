package org.qpert.core.backend.cpu;

/**
 * {@code y = x·Wᵀ (+ bias) (+ epilogue)} over a weight packed once by {@link Packing#packTransposed}. Work is cut into
 * (column panel × block of {@value #ROW_BLOCK} rows) tasks: a task's rows of x (≤ 48 × k floats) and its panel of W
 * (k × panelWidth floats) together stay within a core's L2, and no task allocates.
 */
public final class MatMul {
    static final int ROW_BLOCK = 48;

    private final Kernels kernels;
    private final WorkerPool pool;

    public MatMul(Kernels kernels, WorkerPool pool) {
        this.kernels = kernels;
        this.pool = pool;
    }

    /**
     * x [n, k] row-major, packed W of {@code out} rows and k columns, bias [out] or null, residual [n, out] or null
     * (only with {@link Kernels#RESIDUAL}), y [n, out].
     */
    public void multiply(float[] x, int n, int k, float[] packed, int out, float[] bias, float[] residual,
                         int epilogue, float[] y) {
        int nr = kernels.panelWidth();
        int panels = Packing.panels(out, nr);
        int rowBlocks = (n + ROW_BLOCK - 1) / ROW_BLOCK;
        pool.parallelFor(panels * rowBlocks, (worker, task) -> {
            int pn = task / rowBlocks, rb = task % rowBlocks;
            int r0 = rb * ROW_BLOCK, rows = Math.min(ROW_BLOCK, n - r0);
            int c0 = pn * nr, cols = Math.min(nr, out - c0);
            kernels.panel(x, r0 * k, k, rows, k, packed, pn * nr * k, y, r0 * out + c0, out, cols,
                    bias, c0, residual, epilogue);
        });
    }

    /**
     * {@link #multiply} over a 16-bit weight packed by {@link Packing#packPanel16} from {@code packed[packedOff..]} (F16
     * when {@code f16}, else BF16).
     */
    public void multiply16(float[] x, int n, int k, short[] packed, int packedOff, boolean f16, int out, float[] bias,
                           float[] residual, int epilogue, float[] y) {
        int nr = kernels.panelWidth();
        int panels = Packing.panels(out, nr);
        int rowBlocks = (n + ROW_BLOCK - 1) / ROW_BLOCK;
        pool.parallelFor(panels * rowBlocks, (worker, task) -> {
            int pn = task / rowBlocks, rb = task % rowBlocks;
            int r0 = rb * ROW_BLOCK, rows = Math.min(ROW_BLOCK, n - r0);
            int c0 = pn * nr, cols = Math.min(nr, out - c0);
            kernels.panel16(x, r0 * k, k, rows, k, packed, packedOff + pn * nr * k, f16, y, r0 * out + c0, out, cols,
                    bias, c0, residual, epilogue);
        });
    }
}
