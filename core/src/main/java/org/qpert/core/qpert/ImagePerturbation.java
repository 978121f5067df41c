package org.qpert.core.qpert;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
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
    private final int[][][] basisCounts; // [object][layer position][head]
    private final int[] heads; // per layer position
    private final int[] headDims;

    ImagePerturbation(int[] layers, Tensor[] pbar, Backend backend, int[][][] basisCounts, int heads, int headDim) {
        this(layers, pbar, backend, basisCounts, filled(layers.length, heads), filled(layers.length, headDim));
    }

    private ImagePerturbation(int[] layers, Tensor[] pbar, Backend backend, int[][][] basisCounts, int[] heads,
                              int[] headDims) {
        this.layers = layers;
        this.pbar = pbar;
        this.backend = backend;
        this.basisCounts = basisCounts;
        this.heads = heads;
        this.headDims = headDims;
    }

    private static int[] filled(int n, int value) {
        int[] out = new int[n];
        Arrays.fill(out, value);
        return out;
    }

    /**
     * One perturbation of the layers of all {@code parts} (built for the same objects from sites of different head
     * shapes; no layer in two parts), layers
     * ascending. Empty parts add nothing.
     */
    static ImagePerturbation merge(List<ImagePerturbation> parts, int objects) {
        List<ImagePerturbation> used = parts.stream().filter(p -> !p.isEmpty()).toList();
        if (used.size() <= 1) {
            return used.isEmpty() ? NONE : used.get(0);
        }
        record Entry(ImagePerturbation part, int position, int layer) {
        }
        List<Entry> entries = new ArrayList<>();
        for (ImagePerturbation p : used) {
            for (int i = 0; i < p.layers.length; i++) {
                entries.add(new Entry(p, i, p.layers[i]));
            }
        }
        entries.sort(Comparator.comparingInt(Entry::layer));
        int n = entries.size();
        int[] layers = new int[n], heads = new int[n], dims = new int[n];
        Tensor[] pbar = new Tensor[n];
        int[][][] counts = new int[objects][n][];
        for (int i = 0; i < n; i++) {
            Entry e = entries.get(i);
            if (i > 0 && layers[i - 1] == e.layer) {
                throw new IllegalArgumentException("layer " + e.layer + " is perturbed twice");
            }
            layers[i] = e.layer;
            heads[i] = e.part.heads[e.position];
            dims[i] = e.part.headDims[e.position];
            pbar[i] = e.part.pbar[e.position];
            for (int j = 0; j < objects; j++) {
                counts[j][i] = e.part.basisCounts[j][e.position];
            }
        }
        return new ImagePerturbation(layers, pbar, used.get(0).backend, counts, heads, dims);
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

    /** Heads H of perturbed layer {@code layer}. */
    public int heads(int layer) {
        return heads[require(layer)];
    }

    /** Head width d of perturbed layer {@code layer}: its P̄ is [H·d, d]. */
    public int headDim(int layer) {
        return headDims[require(layer)];
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
        int i = require(layer);
        if (object < 0 || object >= basisCounts.length || head < 0 || head >= heads[i]) {
            throw new IllegalArgumentException("no basis count for object " + object + ", head " + head + " ("
                    + basisCounts.length + " objects, " + heads[i] + " heads)");
        }
        return basisCounts[object][i][head];
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
