package org.qpert.core.backend;

/**
 * The one seam between model code and hardware. Model code is written once against these ops; every backend is
 * tested against the plain scalar reference in core's tests. Arguments are checked once, in core ({@link BackendChecks},
 * {@link BatchShapes}), the same for every backend. Tensors are 2-D ({@code rows × cols}, row-major); a batch is
 * a stack of rows with {@link Segments} boundaries that attention, means and the query perturbation respect (an item
 * in a batch gives the result it gives alone), never a hidden third dimension.
 *
 * <p>Implementations must be safe to call from several threads at once for different inputs.
 */
public interface Backend extends AutoCloseable {

    /** Short name for logs and reports, e.g. {@code cpu} or {@code cuda:0}. */
    String name();

    /** Copies host data into a new tensor of this backend. {@code data.length} must be {@code rows*cols}. */
    Tensor upload(float[] data, int rows, int cols);

    /**
     * A weight matrix {@code [out, in]} as used by {@link #linear}, in the type it is stored in ({@link DType}); uploaded
     * once, and a backend may repack it into whatever layout its matmul streams best, but keeps one copy and does not
     * widen 16-bit weights to float32 in memory. The bytes of {@code w} need not outlive the call.
     */
    Tensor weight(WeightData w);

    /** Copies a tensor back to the host, row-major. */
    float[] download(Tensor t);

    /** {@code y = x·Wᵀ + b}: x [n, in], w [out, in] (PyTorch Linear layout), b [1, out] or null → y [n, out]. */
    Tensor linear(Tensor x, Tensor w, Tensor b);

    /** {@code GELU(x·Wᵀ + b)} with the exact erf GELU; same shapes as {@link #linear}. */
    default Tensor linearGelu(Tensor x, Tensor w, Tensor b) {
        return gelu(linear(x, w, b));
    }

    /** {@code x·Wᵀ + b + residual}; residual has the output's shape. */
    default Tensor linearResidual(Tensor x, Tensor w, Tensor b, Tensor residual) {
        return add(linear(x, w, b), residual);
    }

    /**
     * {@code quick_gelu(x·Wᵀ + b)} (CLIP's {@code x·σ(1.702·x)}); same shapes as {@link #linear}. The default composes
     * {@link #linear} and {@link #quickGelu}.
     */
    default Tensor linearQuickGelu(Tensor x, Tensor w, Tensor b) {
        return quickGelu(linear(x, w, b));
    }

    /**
     * {@link QuickGelu} element-wise. The default runs on the host ({@link #download}, {@link #upload}): correct on
     * every backend, and the CPU backend overrides it with its kernels.
     */
    default Tensor quickGelu(Tensor x) {
        float[] v = download(x);
        for (int i = 0; i < v.length; i++) {
            v[i] = QuickGelu.apply(v[i]);
        }
        return upload(v, x.rows(), x.cols());
    }

    /**
     * RMSNorm over each row: {@code x / sqrt(mean(x²) + eps) ⊙ gamma} (LLaMA's and InternViT's), gamma [1, cols]; the
     * mean of squares is summed in double. The default runs on the host; the CPU backend overrides it.
     */
    default Tensor rmsNorm(Tensor x, Tensor gamma, float eps) {
        BackendChecks.rmsNorm(x, gamma);
        float[] v = download(x), g = download(gamma), y = new float[v.length];
        int c = x.cols();
        for (int r = 0; r < x.rows(); r++) {
            RowOps.rmsNorm(v, r * c, c, g, eps, y);
        }
        return upload(y, x.rows(), c);
    }

    /**
     * Rotary position embedding (LLaMA's {@code apply_rotary_pos_emb}) on each head of x [n, H·d]: row i at position
     * {@code positions[i]}, angle θ_j = p · base^(−2j/d) (j < d/2, float32 as the reference computes it), and
     * {@code u' = u ⊙ cos[θ, θ] + rot(u) ⊙ sin[θ, θ]} with {@code rot(u) = [−u_{d/2..}, u_{..d/2}]}. The default runs
     * on the host; the CPU backend overrides it.
     */
    default Tensor rotary(Tensor x, int heads, int[] positions, double base) {
        int d = BackendChecks.rotary(x, heads, positions);
        float[] v = download(x), y = new float[v.length];
        RowOps.rotary(v, y, x.rows(), x.cols(), heads, d, positions, base, 0, x.rows());
        return upload(y, x.rows(), x.cols());
    }

    /**
     * SwiGLU of a stacked gate and up projection {@code gateUp} [n, 2F] (columns 0..F−1 = gate, F..2F−1 = up):
     * {@code SiLU(gate) ⊙ up} [n, F]. The default runs on the host; the CPU backend overrides it.
     */
    default Tensor swiGlu(Tensor gateUp) {
        BackendChecks.swiGlu(gateUp);
        float[] v = download(gateUp);
        int f = gateUp.cols() / 2;
        float[] y = new float[gateUp.rows() * f];
        RowOps.swiGlu(v, y, f, 0, gateUp.rows());
        return upload(y, gateUp.rows(), f);
    }

    /**
     * {@code x ⊙ scale + residual}, scale [1, cols] per column (a layer scale on a residual branch: InternViT's
     * {@code ls1}, {@code ls2}). The default runs on the host; the CPU backend overrides it.
     */
    default Tensor scaledResidual(Tensor x, Tensor scale, Tensor residual) {
        BackendChecks.scaledResidual(x, scale, residual);
        float[] v = download(x), s = download(scale), r = download(residual), y = new float[v.length];
        RowOps.scaledResidual(v, s, r, y, x.cols(), 0, x.rows());
        return upload(y, x.rows(), x.cols());
    }

    /** Element-wise a + b (same shapes). */
    Tensor add(Tensor a, Tensor b);

    /** Adds row vector {@code row} [1, cols] to every row of x. */
    Tensor addRow(Tensor x, Tensor row);

    /** Exact erf GELU, element-wise. */
    Tensor gelu(Tensor x);

    /** LayerNorm over each row with biased variance: gamma, beta [1, cols]. */
    Tensor layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps);

    /** {@code layerNorm(x + residual)}, the post-LN BERT output step. */
    default Tensor addLayerNorm(Tensor x, Tensor residual, Tensor gamma, Tensor beta, float eps) {
        return layerNorm(add(x, residual), gamma, beta, eps);
    }

    /**
     * Multi-head softmax attention. q [nq, H·d], k and v [nk, H·d]; head h uses columns h·d..h·d+d-1.
     * {@code scores = q_h·k_hᵀ · scale + keyBias} (keyBias [nk] additive per key, e.g. −10000 for padding, or null),
     * softmax over keys, times v_h; heads concatenated → [nq, H·d]. The batch of one of
     * {@link #attention(Tensor, Tensor, Tensor, int, float, Segments, Segments, Tensor)}.
     */
    default Tensor attention(Tensor q, Tensor k, Tensor v, int heads, float scale, float[] keyBias) {
        if (keyBias != null && keyBias.length != k.rows()) {
            throw new IllegalArgumentException("attention key bias has " + keyBias.length + " entries for "
                    + k.rows() + " keys");
        }
        return attention(q, k, v, heads, scale, Segments.single(q.rows()), Segments.single(k.rows()),
                keyBias == null ? null : upload(keyBias, 1, keyBias.length));
    }

    /**
     * Multi-head softmax attention over a stacked batch: the query rows of segment i ({@code querySegments}, which
     * tile q) attend only to the key and value rows of segment i of {@code keySegments} (each non-empty; segments may
     * share rows). keyBias [1, nk] is added to the scores of each key (0 or −10000 for padding), or null; being a
     * tensor, it is uploaded once per batch. Shapes and scores as in the single-sequence form; y [nq, H·d].
     * Checked by {@link BatchShapes#attention}.
     */
    Tensor attention(Tensor q, Tensor k, Tensor v, int heads, float scale, Segments querySegments,
                     Segments keySegments, Tensor keyBias);

    /**
     * {@link #attention} of n tokens on themselves (q, k, v [n, H·d]) with a causal mask: query i sees keys 0..i
     * only, plus {@code keyBias} [n] (padding) or null. The default runs one {@link #attention} per query row on the
     * keys it may see, which is plain and exact (a masked key's weight is exactly 0) and cheap for the short texts
     * it serves (CLIP queries: at most 16 tokens).
     */
    default Tensor causalAttention(Tensor q, Tensor k, Tensor v, int heads, float scale, float[] keyBias) {
        int n = q.rows();
        if (k.rows() != n || v.rows() != n) {
            throw new IllegalArgumentException("causal attention needs as many keys and values as queries, got "
                    + q.shape() + ", " + k.shape() + ", " + v.shape());
        }
        if (keyBias != null && keyBias.length != n) {
            throw new IllegalArgumentException("attention key bias has " + keyBias.length + " entries for " + n
                    + " keys");
        }
        Tensor out = null;
        for (int i = 0; i < n; i++) {
            float[] bias = keyBias == null ? null : java.util.Arrays.copyOf(keyBias, i + 1);
            Tensor row = attention(sliceRows(q, i, i + 1), sliceRows(k, 0, i + 1), sliceRows(v, 0, i + 1), heads,
                    scale, bias);
            out = out == null ? row : concatRows(out, row);
        }
        return out;
    }

    /** Each row divided by max(‖row‖₂, 1e-12). */
    Tensor l2Normalize(Tensor x);

    /** Rows {@code from..to-1} of x as a new tensor. */
    Tensor sliceRows(Tensor x, int from, int to);

    /** Columns {@code from..to-1} of x as a new tensor. */
    Tensor sliceCols(Tensor x, int from, int to);

    /** Rows of a stacked on rows of b (same cols). */
    Tensor concatRows(Tensor a, Tensor b);

    /** The rows of every part, in order (same cols; at least one part): how a batch is stacked. */
    default Tensor concatRows(java.util.List<Tensor> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("nothing to stack");
        }
        Tensor out = parts.get(0);
        for (int i = 1; i < parts.size(); i++) {
            out = concatRows(out, parts.get(i));
        }
        return out;
    }

    /** {@code out[i] = table[ids[i]]}; ids are checked against {@code table.rows()}. */
    Tensor gatherRows(Tensor table, int[] ids);

    /** Mean over rows → [1, cols]. */
    default Tensor meanRows(Tensor x) {
        return meanRows(x, Segments.single(x.rows()));
    }

    /** Mean over the rows of each (non-empty) segment → [segments, cols]. Checked by {@link BatchShapes#meanRows}. */
    Tensor meanRows(Tensor x, Segments segments);

    /**
     * Query perturbation per head: for each row and head h, {@code q_h' = q_h + P̄_h q_h}. pbar is [H·d, d]: rows
     * h·d..h·d+d-1 hold the d×d matrix P̄_h.
     */
    default Tensor perturbQueries(Tensor q, Tensor pbar, int heads) {
        return perturbQueries(q, Segments.single(q.rows()), new Tensor[] {pbar}, heads);
    }

    /**
     * {@link #perturbQueries(Tensor, Tensor, int)} per segment of a stacked batch: the rows of segment i (the
     * segments tile q) with {@code pbar[i]}, or copied unchanged where {@code pbar[i]} is null. Items of one image
     * may share one P̄ tensor. Checked by {@link BatchShapes#perturbQueries}.
     */
    Tensor perturbQueries(Tensor q, Segments segments, Tensor[] pbar, int heads);

    /**
     * Eigenpairs of {@code count} symmetric n×n matrices given row-major in {@code matrices} [count·n·n], in one call so
     * a GPU backend can solve them all at once.
     */
    SymmetricEigen symmetricEigen(double[] matrices, int count, int n);

    /**
     * Q-Perturbation's P̄ of one image from the keys of its perturbed layers ({@link ProjectorProblem}): the second
     * moments or Gram matrices, their batched eigendecomposition, the kept eigenvectors and their weighted mean
     * projector, all on this backend. The default runs on the host through {@link #symmetricEigen}
     * ({@link HostMeanProjectors}); a GPU backend keeps the keys on the device and runs every step there.
     */
    default MeanProjectors meanProjectors(ProjectorProblem problem) {
        return HostMeanProjectors.solve(this, problem);
    }

    /** Frees what this backend holds (device memory, worker threads). The CPU backend holds nothing. */
    @Override
    default void close() {
    }
}
