package org.qpert.core.qpert;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.SymmetricEigen;
import org.qpert.core.backend.Tensor;

/**
 * Builds P̄ of one image (spec/QPERT.md §4, §6): per object, perturbed cross-attention layer and head, the
 * uncentered second moment of the weighted keys, its leading eigenvectors, and the weighted mean of their
 * projectors over the objects that cover a token.
 *
 * <p>Each eigenproblem is either R = FᵀF (d × d) or, when an object covers fewer tokens n than the head dimension
 * d, the Gram matrix F Fᵀ of its n covered rows (same non-zero spectrum, eigenvectors u = Fᵀv/‖Fᵀv‖). All problems
 * of one kind go to {@link Backend#symmetricEigen} in one call (Gram problems zero-padded to the largest n: the
 * padding only adds zero eigenvalues, which are never kept), so an image costs at most two calls unless its
 * batch exceeds {@link #MAX_BATCH_DOUBLES}.
 */
public final class ImagePerturbationBuilder {
    /** Upper bound on one eigen batch (64 MiB of matrices): many large boxes are split over several calls. */
    static final int MAX_BATCH_DOUBLES = 1 << 23;

    /** Which eigenproblem an object gets; tests force one to check that both agree. */
    enum Path { AUTO, DIRECT, GRAM }

    /** Keys K_l = Z·Wkᵀ + bk [T, H·d] of cross-attention layer {@code layer}, on the builder's backend. */
    public record LayerKeys(int layer, Tensor keys) {
    }

    private final Backend backend;
    private final Perturbation settings;
    private final Path path;

    public ImagePerturbationBuilder(Backend backend, Perturbation settings) {
        this(backend, settings, Path.AUTO);
    }

    ImagePerturbationBuilder(Backend backend, Perturbation settings, Path path) {
        this.backend = backend;
        this.settings = settings;
        this.path = path;
    }

    /**
     * P̄ for an image with {@code objects}, given the keys of every cross-attention layer of the model (the builder
     * picks the layers {@link Perturbation#layers} names). Returns {@link ImagePerturbation#none()} when the
     * perturbation is off or no object covers a token.
     */
    public ImagePerturbation build(List<ImageObject> objects, List<LayerKeys> keys, int heads) {
        if (settings.isOff()) {
            return ImagePerturbation.none();
        }
        int[] layers = settings.resolveLayers(keys.stream().mapToInt(LayerKeys::layer).toArray());
        List<ObjectTokens> included = new ArrayList<>();
        for (int j = 0; j < objects.size(); j++) {
            if (objects.get(j).coversAnyToken()) {
                included.add(new ObjectTokens(j, objects.get(j)));
            }
        }
        if (included.isEmpty() || layers.length == 0) {
            return ImagePerturbation.none();
        }
        float[][] k = new float[layers.length][];
        int tokens = -1, width = -1;
        for (int i = 0; i < layers.length; i++) {
            Tensor t = keysOf(keys, layers[i]);
            if (i == 0) {
                tokens = t.rows();
                width = t.cols();
            } else if (t.rows() != tokens || t.cols() != width) {
                throw new IllegalArgumentException("keys of layer " + layers[i] + " have shape " + t.shape()
                        + ", those of layer " + layers[0] + " [" + tokens + ", " + width + "]");
            }
            k[i] = backend.download(t);
        }
        if (heads <= 0 || width % heads != 0) {
            throw new IllegalArgumentException("key width " + width + " is not divisible by " + heads + " heads");
        }
        for (ObjectTokens o : included) {
            if (o.tokenCount != tokens) {
                throw new IllegalArgumentException("object " + o.index + " has weights for " + o.tokenCount
                        + " tokens but the keys have " + tokens + " rows");
            }
        }
        int d = width / heads;
        Accumulator acc = new Accumulator(k, layers.length, heads, d, objects.size(), included.size());
        List<ObjectTokens> gram = new ArrayList<>(), direct = new ArrayList<>();
        for (ObjectTokens o : included) {
            boolean useGram = path == Path.GRAM || (path == Path.AUTO && o.n < d);
            (useGram ? gram : direct).add(o);
        }
        solve(direct, d, false, acc);
        solve(gram, gram.stream().mapToInt(o -> o.n).max().orElse(0), true, acc);
        return acc.result(layers, backend);
    }

    private static Tensor keysOf(List<LayerKeys> keys, int layer) {
        for (LayerKeys lk : keys) {
            if (lk.layer() == layer) {
                return lk.keys();
            }
        }
        throw new IllegalArgumentException("no keys given for layer " + layer);
    }

    /** Solves every (object, layer, head) problem of one kind, in as few backend calls as the batch bound allows. */
    private void solve(List<ObjectTokens> group, int order, boolean gram, Accumulator acc) {
        if (group.isEmpty()) {
            return;
        }
        int perObject = acc.layers * acc.heads;
        int total = group.size() * perObject;
        int perCall = Math.max(1, MAX_BATCH_DOUBLES / (order * order));
        for (int first = 0; first < total; first += perCall) {
            int count = Math.min(perCall, total - first);
            double[] matrices = new double[count * order * order];
            int start = first;
            IntStream.range(0, count).parallel().forEach(p -> {
                int problem = start + p;
                ObjectTokens o = group.get(problem / perObject);
                int layer = problem % perObject / acc.heads, head = problem % acc.heads;
                if (gram) {
                    acc.fillGram(o, layer, head, matrices, p * order * order, order);
                } else {
                    acc.fillSecondMoment(o, layer, head, matrices, p * order * order);
                }
            });
            SymmetricEigen eig = backend.symmetricEigen(matrices, count, order);
            // Problems of one (layer, head) add into the same P̄ block: split the work by block, not by problem.
            IntStream.range(0, perObject).parallel().forEach(block -> {
                double[] u = new double[acc.d];
                for (int p = Math.floorMod(block - start, perObject); p < count; p += perObject) {
                    int problem = start + p;
                    ObjectTokens o = group.get(problem / perObject);
                    int kept = BasisCount.of(eig.values(), p * order, order, settings.tau(),
                            settings.fixedBasisCount());
                    acc.addProjector(o, block / acc.heads, block % acc.heads, eig, p, kept, gram, u);
                }
            });
        }
    }

    /** The covered tokens of one object and their weights. */
    static final class ObjectTokens {
        final int index;
        final int n;
        final int tokenCount;
        final int[] tokens;
        final double[] weights;
        final double objectWeight;

        ObjectTokens(int index, ImageObject object) {
            this.index = index;
            this.n = object.coveredTokens();
            this.tokenCount = object.tokenCount();
            this.tokens = new int[n];
            this.weights = new double[n];
            this.objectWeight = object.weight();
            int a = 0;
            for (int t = 0; t < tokenCount; t++) {
                if (object.tokenWeight(t) != 0) {
                    tokens[a] = t;
                    weights[a++] = object.tokenWeight(t);
                }
            }
        }
    }
}
