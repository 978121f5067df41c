package org.qpert.core.qpert;

import java.util.ArrayList;
import java.util.List;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.MeanProjectors;
import org.qpert.core.backend.ProjectorProblem;
import org.qpert.core.backend.ProjectorProblem.CoveredTokens;
import org.qpert.core.backend.ProjectorProblem.EigenPath;
import org.qpert.core.backend.Tensor;

/**
 * Builds P̄ of one image (spec/QPERT.md §4, §6): per object, perturbed cross-attention layer and head, the
 * uncentered second moment of the weighted keys, its leading eigenvectors, and the weighted mean of their
 * projectors over the objects that cover a token. The settings pick the layers and the τ rule; the work itself is one
 * {@link Backend#meanProjectors} call, so the keys stay where the backend keeps them (on a GPU, the device).
 */
public final class ImagePerturbationBuilder {

    /** Keys K_l = Z·Wkᵀ + bk [T, H·d] of cross-attention layer {@code layer}, on the builder's backend. */
    public record LayerKeys(int layer, Tensor keys) {
    }

    private final Backend backend;
    private final Perturbation settings;
    private final EigenPath path;

    public ImagePerturbationBuilder(Backend backend, Perturbation settings) {
        this(backend, settings, EigenPath.AUTO);
    }

    ImagePerturbationBuilder(Backend backend, Perturbation settings, EigenPath path) {
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
        List<Integer> included = new ArrayList<>();
        List<CoveredTokens> covered = new ArrayList<>();
        for (int j = 0; j < objects.size(); j++) {
            if (objects.get(j).coversAnyToken()) {
                included.add(j);
                covered.add(coveredTokens(objects.get(j)));
            }
        }
        if (included.isEmpty() || layers.length == 0) {
            return ImagePerturbation.none();
        }
        List<Tensor> layerKeys = new ArrayList<>();
        for (int l : layers) {
            layerKeys.add(keysOf(keys, l));
        }
        int tokens = layerKeys.get(0).rows();
        for (int j : included) {
            if (objects.get(j).tokenCount() != tokens) {
                throw new IllegalArgumentException("object " + j + " has weights for " + objects.get(j).tokenCount()
                        + " tokens but the keys have " + tokens + " rows");
            }
        }
        double tau = settings.tau();
        int fixed = settings.fixedBasisCount();
        ProjectorProblem problem = new ProjectorProblem(layerKeys, heads, covered,
                (values, offset, n) -> BasisCount.of(values, offset, n, tau, fixed), path);
        MeanProjectors result = backend.meanProjectors(problem);
        int[][][] counts = new int[objects.size()][layers.length][heads];
        for (int i = 0; i < included.size(); i++) {
            counts[included.get(i)] = result.basisCounts()[i];
        }
        return new ImagePerturbation(layers.clone(), result.pbar().toArray(Tensor[]::new), backend, counts, heads,
                problem.headDim());
    }

    private static CoveredTokens coveredTokens(ImageObject object) {
        int n = object.coveredTokens();
        int[] tokens = new int[n];
        double[] weights = new double[n];
        int a = 0;
        for (int t = 0; t < object.tokenCount(); t++) {
            if (object.tokenWeight(t) != 0) {
                tokens[a] = t;
                weights[a++] = object.tokenWeight(t);
            }
        }
        return new CoveredTokens(tokens, weights, object.weight());
    }

    private static Tensor keysOf(List<LayerKeys> keys, int layer) {
        for (LayerKeys lk : keys) {
            if (lk.layer() == layer) {
                return lk.keys();
            }
        }
        throw new IllegalArgumentException("no keys given for layer " + layer);
    }
}
