package org.qpert.core.backend.cpu;

/**
 * Multi-head softmax attention, one head per task: each worker packs its head's keys and values into the matrix
 * kernel's panel layout and keeps one score matrix [nq, nk] of its own, so no more than one score matrix per worker
 * exists at a time. Scratch grows once to the largest shape seen and is reused.
 */
public final class Attention {
    private final Kernels kernels;
    private final WorkerPool pool;
    private final float[][] scores;
    private final float[][] keys;
    private final float[][] values;

    public Attention(Kernels kernels, WorkerPool pool) {
        this.kernels = kernels;
        this.pool = pool;
        int t = pool.threads();
        scores = new float[t][];
        keys = new float[t][];
        values = new float[t][];
    }

    /** See {@link org.qpert.core.backend.Backend#attention}; y [nq, width] is written completely. */
    public void attend(float[] q, int nq, float[] k, float[] v, int nk, int width, int heads, float scale,
                       float[] keyBias, float[] y) {
        int d = width / heads, nr = kernels.panelWidth();
        int ldS = Packing.panels(nk, nr) * nr;
        int keySize = Packing.packedSize(d, nk, nr), valueSize = Packing.packedSize(nk, d, nr);
        int scoreSize = Math.multiplyExact(nq, ldS);
        pool.parallelFor(heads, (worker, h) -> {
            float[] s = scratch(scores, worker, scoreSize);
            float[] pk = scratch(keys, worker, keySize);
            float[] pv = scratch(values, worker, valueSize);
            int ho = h * d;
            Packing.packTransposed(k, ho, width, nk, d, nr, pk);
            Packing.pack(v, ho, width, nk, d, nr, pv);
            for (int pn = 0, panels = ldS / nr; pn < panels; pn++) {
                kernels.panel(q, ho, width, nq, d, pk, pn * nr * d, s, pn * nr, ldS, nr, null, 0, null,
                        Kernels.PLAIN);
            }
            for (int i = 0; i < nq; i++) {
                kernels.softmaxRow(s, i * ldS, nk, scale, keyBias);
            }
            for (int pn = 0, panels = Packing.panels(d, nr); pn < panels; pn++) {
                int c0 = pn * nr;
                kernels.panel(s, 0, ldS, nq, nk, pv, pn * nr * nk, y, ho + c0, width, Math.min(nr, d - c0),
                        null, 0, null, Kernels.PLAIN);
            }
        });
    }

    private static float[] scratch(float[][] perWorker, int worker, int size) {
        float[] a = perWorker[worker];
        if (a == null || a.length < size) {
            a = new float[size];
            perWorker[worker] = a;
        }
        return a;
    }
}
