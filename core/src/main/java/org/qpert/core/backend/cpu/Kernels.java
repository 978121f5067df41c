package org.qpert.core.backend.cpu;

/**
 * The inner loops of the CPU backend, in two builds: {@link VectorKernels} (Vector API, FMA) and {@link ScalarKernels}
 * (plain Java, for JVMs started without {@code --add-modules jdk.incubator.vector}). Matrix products stream a
 * right-hand side packed by {@link Packing} into panels of {@link #panelWidth()} columns.
 */
public interface Kernels {

    /** No epilogue: {@code c = a·b (+ bias)}. */
    int PLAIN = 0;
    /** {@code c = GELU(a·b + bias)}. */
    int GELU = 1;
    /** {@code c = a·b + bias + residual}, residual laid out like c. */
    int RESIDUAL = 2;
    /** {@code c = quick_gelu(a·b + bias)}, CLIP's {@code x·σ(1.702·x)}. */
    int QUICK_GELU = 3;

    /** Short description for logs and benchmark reports. */
    String describe();

    /** Columns per packed panel. */
    int panelWidth();

    /**
     * {@code c[i, j] = Σ_p a[i, p]·B[p, j] (+ bias[j]) then the epilogue}, for i &lt; rows and j &lt; cols ≤ panelWidth,
     * where B is the panel at {@code b[bOff..]} ({@code k} rows of panelWidth floats). Rows of a start at
     * {@code aOff + i·lda}; rows of c (and of residual) at {@code cOff + i·ldc}. bias may be null; it is read at
     * {@code bias[biasOff + j]}.
     */
    void panel(float[] a, int aOff, int lda, int rows, int k, float[] b, int bOff,
               float[] c, int cOff, int ldc, int cols, float[] bias, int biasOff, float[] residual, int epilogue);

    /**
     * {@link #panel} over a 16-bit panel ({@code short[]}, same layout), each element widened to float32 (exact, so
     * the result is that of the float32 weight): {@code f16} IEEE binary16 (finite values only; packing refuses the
     * rest), else bfloat16. {@link VectorKernels} widens the whole panel once per call into a per-thread scratch,
     * {@link ScalarKernels} each element where it multiplies it.
     */
    void panel16(float[] a, int aOff, int lda, int rows, int k, short[] b, int bOff, boolean f16,
                 float[] c, int cOff, int ldc, int cols, float[] bias, int biasOff, float[] residual, int epilogue);

    /** {@code y[yOff + i] = GELU(x[xOff + i])} for i &lt; n (exact-erf GELU). */
    void gelu(float[] x, int xOff, float[] y, int yOff, int n);

    /** {@code y = x + z} element-wise over n floats at the same offsets. */
    void add(float[] x, float[] z, float[] y, int off, int n);

    /**
     * LayerNorm of one row of d floats at {@code x[off..]} (plus {@code residual[off..]} when not null), written to
     * {@code y[off..]}.
     */
    void layerNormRow(float[] x, float[] residual, int off, int d, float[] gamma, float[] beta, float eps, float[] y);

    /**
     * In place on {@code s[off..off+n-1]}: {@code s = softmax(s·scale + keyBias)} (keyBias may be null).
     */
    void softmaxRow(float[] s, int off, int n, float scale, float[] keyBias);

    /**
     * {@code p[pOff + r·n + c] += Σ_i w[i]·x[rows[i] + r]·x[rows[i] + c]} for r, c &lt; n: a weighted sum of the outer
     * products of {@code count} rows of x (row i starts at {@code rows[i]}), over the whole square so the result needs
     * no mirroring. Second moments and projector sums of Q-Perturbation.
     */
    void addOuterProducts(float[] x, int[] rows, float[] w, int count, int n, float[] p, int pOff);

    /** {@code y[yOff + c] = Σ_i w[i]·x[rows[i] + c]} for c &lt; n: a weighted sum of {@code count} rows of x. */
    void combineRows(float[] x, int[] rows, float[] w, int count, int n, float[] y, int yOff);

    /** {@code Σ_c x[xOff + c]·y[yOff + c]} over n floats, the partial sums added in a fixed order. */
    double dot(float[] x, int xOff, float[] y, int yOff, int n);

    /** The plain-Java kernels, whatever the JVM supports. */
    static Kernels scalar() {
        return new ScalarKernels();
    }

    /**
     * Uses the Vector API when the {@code jdk.incubator.vector} module is in the boot layer, else scalar code (with
     * one warning per JVM saying how to fix it); {@code -Dqpert.scalar=true} forces the scalar kernels (to compare,
     * or to rule the Vector API out) without a warning.
     */
    static Kernels best() {
        if (Boolean.getBoolean("qpert.scalar")) {
            return new ScalarKernels();
        }
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            ScalarFallback.warnOnce("the JVM was started without the Vector API module; add "
                    + "'--add-modules jdk.incubator.vector' to the java command (or JAVA_TOOL_OPTIONS)");
            return new ScalarKernels();
        }
        try {
            return (Kernels) Class.forName("org.qpert.core.backend.cpu.VectorKernels")
                    .getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            ScalarFallback.warnOnce("the Vector API is present but unusable (" + e + ")");
            return new ScalarKernels();
        }
    }

    /** The one warning a library user gets when the CPU backend runs the slow scalar kernels. */
    final class ScalarFallback {
        private static final java.util.concurrent.atomic.AtomicBoolean WARNED =
                new java.util.concurrent.atomic.AtomicBoolean();

        private ScalarFallback() {
        }

        static void warnOnce(String why) {
            if (WARNED.compareAndSet(false, true)) {
                System.getLogger(Kernels.class.getName()).log(System.Logger.Level.WARNING, "qpert CPU kernels fall "
                        + "back to scalar code, about 13x slower: " + why + ".");
            }
        }
    }
}
