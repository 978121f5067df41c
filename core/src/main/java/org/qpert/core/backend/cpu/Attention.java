package org.qpert.core.backend.cpu;

/**
 * Multi-head softmax attention over the segments of a stacked batch, one (segment, head) per task: each worker packs
 * its segment's keys and values of its head into the matrix kernel's panel layout and keeps one score matrix of its
 * own, so no more than one score matrix per worker exists at a time. A task computes exactly what the batch of one
 * computes for that item (same packing, same kernels, same order), so an item's result does not depend on its batch.
 * Scratch grows once to the largest shape seen and is reused.
 */
public final class Attention {
    private final Kernels kernels;
    private final WorkerPool pool;
    private final float[][] scores;
    private final float[][] keys;
    private final float[][] values;
    private final float[][] biases;

    public Attention(Kernels kernels, WorkerPool pool) {
        this.kernels = kernels;
        this.pool = pool;
        int t = pool.threads();
        scores = new float[t][];
        keys = new float[t][];
        values = new float[t][];
        biases = new float[t][];
    }

    /**
     * See {@link org.qpert.core.backend.Backend#attention(org.qpert.core.backend.Tensor,
     * org.qpert.core.backend.Tensor, org.qpert.core.backend.Tensor, int, float, org.qpert.core.backend.Segments,
     * org.qpert.core.backend.Segments, org.qpert.core.backend.Tensor)}: segment i is query rows
     * {@code qStart[i]..+qLength[i]} and key rows {@code kStart[i]..+kLength[i]}; keyBias [nk] or null; y [nq, width]
     * is written for every query row of a segment.
     */
    public void attend(float[] q, float[] k, float[] v, int width, int heads, float scale, int[] qStart,
                       int[] qLength, int[] kStart, int[] kLength, float[] keyBias, float[] y) {
        int d = width / heads, nr = kernels.panelWidth(), segments = qStart.length;
        int maxQ = 0, maxK = 0;
        for (int s = 0; s < segments; s++) {
            maxQ = Math.max(maxQ, qLength[s]);
            maxK = Math.max(maxK, kLength[s]);
        }
        int keySize = Packing.packedSize(d, maxK, nr), valueSize = Packing.packedSize(maxK, d, nr);
        int scoreSize = Math.multiplyExact(maxQ, Packing.panels(maxK, nr) * nr);
        int biasSize = maxK;
        pool.parallelFor(Math.multiplyExact(segments, heads), (worker, task) -> {
            int seg = task / heads, h = task % heads;
            int nq = qLength[seg], nk = kLength[seg];
            if (nq == 0) {
                return;
            }
            int ldS = Packing.panels(nk, nr) * nr;
            float[] s = scratch(scores, worker, scoreSize);
            float[] pk = scratch(keys, worker, keySize);
            float[] pv = scratch(values, worker, valueSize);
            float[] bias = null;
            if (keyBias != null) {
                bias = scratch(biases, worker, biasSize);
                System.arraycopy(keyBias, kStart[seg], bias, 0, nk);
            }
            int ho = h * d, qo = qStart[seg] * width + ho, ko = kStart[seg] * width + ho;
            Packing.packTransposed(k, ko, width, nk, d, nr, pk);
            Packing.pack(v, ko, width, nk, d, nr, pv);
            for (int pn = 0, panels = ldS / nr; pn < panels; pn++) {
                kernels.panel(q, qo, width, nq, d, pk, pn * nr * d, s, pn * nr, ldS, nr, null, 0, null,
                        Kernels.PLAIN);
            }
            for (int i = 0; i < nq; i++) {
                kernels.softmaxRow(s, i * ldS, nk, scale, bias);
            }
            for (int pn = 0, panels = Packing.panels(d, nr); pn < panels; pn++) {
                int c0 = pn * nr;
                kernels.panel(s, 0, ldS, nq, nk, pv, pn * nr * nk, y, qo + c0, width, Math.min(nr, d - c0),
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
