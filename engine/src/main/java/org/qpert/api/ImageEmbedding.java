package org.qpert.api;

import java.util.List;
import org.qpert.core.qpert.Box;
import org.qpert.core.qpert.PerturbedImage;

/**
 * One embedded image: its ITC query features and what ITM needs again (the image tokens, the perturbation sites' keys,
 * and P̄), so scoring captions against it never re-runs the ViT or rebuilds P̄. Immutable.
 *
 * @param height   original height in pixels (the frame of the boxes)
 * @param width    original width in pixels
 * @param boxes    the object boxes it was embedded with (empty: unperturbed)
 * @param features normalized projected query embeddings [queries × dim], row-major
 */
public record ImageEmbedding(int height, int width, List<Box> boxes, float[] features, int queries, int dim,
        PerturbedImage encoded) {

    public ImageEmbedding {
        boxes = List.copyOf(boxes);
        if (features.length != queries * dim) {
            throw new IllegalArgumentException(features.length + " feature values do not fit " + queries + " × " + dim);
        }
    }

    /** Query q's feature vector. */
    public float[] query(int q) {
        return java.util.Arrays.copyOfRange(features, q * dim, (q + 1) * dim);
    }
}
