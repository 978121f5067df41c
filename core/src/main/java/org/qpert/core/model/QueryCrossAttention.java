package org.qpert.core.model;

import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Segments;
import org.qpert.core.backend.Tensor;

/**
 * Learned queries attending to an image's tokens: the cross-attention that Q-Perturbation hooks (spec/QPERT.md §6).
 * BLIP-2's Q-Former cross-attention layers and CoCa's attentional pooler run through it, and it is the only place
 * q' = q + P̄q is applied. The key and value projections and what follows the attention (output projection, residual,
 * norm) belong to the family's block, because they differ between families while this part does not.
 */
public final class QueryCrossAttention {
    private final String queryName;
    private final Linear query; // [H·d, Din]
    private final int heads;
    private final float scale;

    /**
     * @param queryName activation key of the projected queries (the perturbed ones are captured as
     *                  {@code queryName + "_perturbed"})
     * @param query     the query projection
     * @param heads     attention heads H; the head width is {@code query.out() / heads}
     */
    public QueryCrossAttention(String queryName, Linear query, int heads) {
        if (heads <= 0 || query.out() % heads != 0) {
            throw new IllegalArgumentException(queryName + ": " + query.out() + " query features do not split into "
                    + heads + " heads");
        }
        this.queryName = queryName;
        this.query = query;
        this.heads = heads;
        this.scale = (float) (1.0 / Math.sqrt(headDim()));
    }

    public int heads() {
        return heads;
    }

    public int headDim() {
        return query.out() / heads;
    }

    /**
     * Attention of the query rows x [B·Nq, Din] of each item ({@code querySegments}) to its image's keys and values
     * ({@code keySegments} into the stacked k, v [·, H·d]). {@code pbar} holds one P̄ [H·d, d] per item (null entries,
     * or a null array, leave those items unperturbed). Returns the attention context [B·Nq, H·d], before any output
     * projection.
     */
    public Tensor attend(Backend b, Tensor x, Tensor k, Tensor v, Segments querySegments, Segments keySegments,
                         Tensor[] pbar, ActivationSink sink) {
        Tensor q = query.apply(b, x);
        sink.accept(queryName, q);
        if (pbar != null) {
            q = b.perturbQueries(q, querySegments, pbar, heads);
            sink.accept(queryName + "_perturbed", q);
        }
        return b.attention(q, k, v, heads, scale, querySegments, keySegments, null);
    }
}
