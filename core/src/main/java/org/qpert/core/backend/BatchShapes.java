package org.qpert.core.backend;

/**
 * Argument checks of the segmented {@link Backend} ops, written once here and called by every backend before it
 * touches memory; each returns what the backend needs next (the head size).
 */
public final class BatchShapes {
    private BatchShapes() {
    }

    /** Checks {@link Backend#attention(Tensor, Tensor, Tensor, int, float, Segments, Segments, Tensor)}; → d. */
    public static int attention(Tensor q, Tensor k, Tensor v, int heads, Segments querySegments,
                                Segments keySegments, Tensor keyBias) {
        int width = q.cols();
        if (k.cols() != width || v.rows() != k.rows() || v.cols() != width) {
            throw new IllegalArgumentException("attention keys " + k.shape() + " and values " + v.shape()
                    + " do not fit queries " + q.shape());
        }
        int d = headSize("attention", width, heads);
        querySegments.requireTiling("attention queries", q);
        if (keySegments.count() != querySegments.count()) {
            throw new IllegalArgumentException("attention has " + querySegments.count() + " query segments but "
                    + keySegments.count() + " key segments");
        }
        keySegments.requireWithin("attention keys", k);
        for (int i = 0; i < keySegments.count(); i++) {
            if (keySegments.length(i) == 0 && querySegments.length(i) > 0) {
                throw new IllegalArgumentException("attention segment " + i + " has queries but no keys");
            }
        }
        if (keyBias != null && (keyBias.rows() != 1 || keyBias.cols() != k.rows())) {
            throw new IllegalArgumentException("attention key bias has shape " + keyBias.shape() + ", expected [1, "
                    + k.rows() + "]");
        }
        return d;
    }

    /** Checks {@link Backend#meanRows(Tensor, Segments)}. */
    public static void meanRows(Tensor x, Segments segments) {
        segments.requireWithin("averaged tensor", x);
        for (int i = 0; i < segments.count(); i++) {
            if (segments.length(i) == 0) {
                throw new IllegalArgumentException("mean over the empty segment " + i + " of " + x.shape());
            }
        }
    }

    /** Checks {@link Backend#perturbQueries(Tensor, Segments, Tensor[], int)}; → d. */
    public static int perturbQueries(Tensor q, Segments segments, Tensor[] pbar, int heads) {
        int width = q.cols(), d = headSize("perturbed queries", width, heads);
        segments.requireTiling("perturbed queries", q);
        if (pbar.length != segments.count()) {
            throw new IllegalArgumentException(pbar.length + " P̄ for " + segments.count() + " query segments");
        }
        for (int i = 0; i < pbar.length; i++) {
            if (pbar[i] != null && (pbar[i].rows() != width || pbar[i].cols() != d)) {
                throw new IllegalArgumentException("P̄ of segment " + i + " has shape " + pbar[i].shape()
                        + ", expected [" + width + ", " + d + "]");
            }
        }
        return d;
    }

    private static int headSize(String what, int width, int heads) {
        if (heads <= 0 || width % heads != 0) {
            throw new IllegalArgumentException(what + " width " + width + " not divisible by " + heads + " heads");
        }
        return width / heads;
    }
}
