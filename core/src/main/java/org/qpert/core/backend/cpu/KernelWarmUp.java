package org.qpert.core.backend.cpu;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Gets the CPU kernels compiled while a model loads, when {@code -Dqpert.warmup=true}. Until C2 has compiled a Vector
 * API kernel it runs one to two orders of magnitude slower (every vector op boxed), and the first pass of a freshly
 * loaded model pays for that: the first 20-token text embedding of the real-size model took 1.7–1.8 s on a quiet
 * machine (5–9 s on a loaded one) instead of ~0.3 s (bench/RESULTS.md, start-up). Loading mostly copies weights, so a
 * daemon thread calls every kernel variant the passes use on tiny inputs meanwhile (all row tiles, full and partial
 * panels, float32 and both 16-bit panels, each epilogue, layer norm, softmax, GELU, the P̄ loops) until the JIT's
 * thresholds are passed. Off by default: the JIT then compiles the kernels with the warm-up's profile (tiny shapes,
 * every tile and partial panel equally often), and the steady-state Q-Former pass measured 79–104 ms of CPU with it
 * against 67–81 ms without; worth it for one-shot runs (a CLI search), not for a service. Once per JVM. Results do not
 * depend on it: the kernels give the same bits compiled or not.
 */
public final class KernelWarmUp {
    private static final AtomicBoolean STARTED = new AtomicBoolean();
    /** Calls per variant: past HotSpot's tier-4 thresholds (5000 invocations, or 600 and 15000 with loop back-edges). */
    private static final int ROUNDS = 2000;
    private static final int K = 24;

    private KernelWarmUp() {
    }

    /** Starts the warm-up of {@code kernels} on a daemon thread when it is turned on and was not started already. */
    public static void startOnce(Kernels kernels) {
        if (!Boolean.getBoolean("qpert.warmup") || !STARTED.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(() -> run(kernels), "qpert-kernel-warm-up");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        t.start();
    }

    static void run(Kernels kernels) {
        int nr = kernels.panelWidth();
        float[] a = filled(7 * K, 0.01f), b = filled(nr * K, 0.02f), c = new float[7 * nr], bias = filled(nr, 0.1f);
        float[] residual = filled(7 * nr, 0.3f), row = filled(3 * nr + 5, 0.5f), gamma = filled(row.length, 1f);
        // row (3·nr + 5 floats) fits in c (7·nr): layer norm, GELU and add write their rows there.
        short[] b16 = new short[nr * K];
        for (int i = 0; i < b16.length; i++) {
            b16[i] = (short) 0x3c00;   // 1.0 in F16, 1.875 in BF16: finite either way
        }
        int[] rows = {0, K, 2 * K};
        float[] w = {0.5f, 0.25f, 0.125f}, p = new float[K * K];
        for (int round = 0; round < ROUNDS; round++) {
            int epilogue = round % 4;
            for (int n = 1; n <= 7; n++) {
                int cols = round % 2 == 0 ? nr : nr - 3;
                kernels.panel(a, 0, K, n, K, b, 0, c, 0, nr, cols, bias, 0, residual, epilogue);
                kernels.panel16(a, 0, K, n, K, b16, 0, round % 3 == 0, c, 0, nr, cols, bias, 0, residual, epilogue);
            }
            kernels.layerNormRow(row, round % 2 == 0 ? null : row, 0, row.length, gamma, row, 1e-6f, c);
            kernels.softmaxRow(row, 0, row.length, 0.125f, round % 2 == 0 ? null : gamma);
            kernels.gelu(row, 0, c, 0, row.length);
            kernels.add(row, gamma, c, 0, row.length);
            kernels.addOuterProducts(a, rows, w, rows.length, K, p, 0);
            kernels.combineRows(a, rows, w, rows.length, K, c, 0);
            kernels.dot(a, 0, b, 0, K);
        }
    }

    private static float[] filled(int n, float step) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (i % 7) * step - 0.2f;
        }
        return v;
    }
}
