package org.qpert.core.qpert;

import java.util.Arrays;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Tensor;
import org.qpert.core.model.QueryPerturbation;

/**
 * P̄ of one image for each perturbed cross-attention layer (spec/QPERT.md §6), computed once per image and reused
 * for the ITC pass and every ITM pair of that image. Per layer: a tensor [H·d, d] for
 * {@link org.qpert.core.backend.Backend#perturbQueries} (rows h·d..h·d+d-1 hold P̄_h) on the backend that built it
 * (a host copy is downloaded only when asked for).
 * {@link #none()} (no layer perturbed) means the image is embedded unperturbed. Also keeps k per object, layer and
 * head, for checks against the reference.
 */
public final class ImagePerturbation implements QueryPerturbation {
    private static final ImagePerturbation NONE =
            new ImagePerturbation(new int[0], new Tensor[0], null, new int[0][][], 0, 0);

    private final int[] layers;
    private final Tensor[] pbar;
    private final Backend backend;
    private final int[][][] basisCounts;
    private final int heads;
    private final int headDim;

    ImagePerturbation(int[] layers, Tensor[] pbar, Backend backend, int[][][] basisCounts, int heads, int headDim) {
        this.layers = layers;
        this.pbar = pbar;
        this.backend = backend;
        this.basisCounts = basisCounts;
        this.heads = heads;
        this.headDim = headDim;
    }

    /** No perturbation: no boxes, no box covering a token, or perturbation turned off. */
    public static ImagePerturbation none() {
        return NONE;
    }

    public boolean isEmpty() {
        return layers.length == 0;
    }

    /** The perturbed Q-Former layers, ascending. */
    public int[] layers() {
        return layers.clone();
    }

    public int heads() {
        return heads;
    }

    public int headDim() {
        return headDim;
    }

    /** Whether the queries of cross-attention layer {@code layer} are perturbed. */
    public boolean perturbs(int layer) {
        return position(layer) >= 0;
    }

    /** P̄ of {@code layer} on the backend that built it, [H·d, d]; null when the layer is not perturbed. */
    @Override
    public Tensor pbar(int layer) {
        int i = position(layer);
        return i < 0 ? null : pbar[i];
    }

    /** A host copy of P̄ of {@code layer}: {@code [h][r][c]} flattened as {@code (h·d + r)·d + c}. */
    public float[] hostPbar(int layer) {
        return backend.download(pbar[require(layer)]);
    }

    /**
     * k of object {@code object} (index in the list given to the builder) at {@code layer} and head {@code head};
     * 0 for an object that covers no token.
     */
    public int basisCount(int object, int layer, int head) {
        if (object < 0 || object >= basisCounts.length || head < 0 || head >= heads) {
            throw new IllegalArgumentException("no basis count for object " + object + ", head " + head + " ("
                    + basisCounts.length + " objects, " + heads + " heads)");
        }
        return basisCounts[object][require(layer)][head];
    }

    private int position(int layer) {
        for (int i = 0; i < layers.length; i++) {
            if (layers[i] == layer) {
                return i;
            }
        }
        return -1;
    }

    private int require(int layer) {
        int i = position(layer);
        if (i < 0) {
            throw new IllegalArgumentException("layer " + layer + " is not perturbed; perturbed layers: "
                    + Arrays.toString(layers));
        }
        return i;
    }
}
