package org.qpert.core.qpert;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Settings of Q-Perturbation (spec/QPERT.md). Immutable; validated on construction.
 *
 * @param alpha      scale α of the object weights (finite, > 0)
 * @param tau        τ: in (0, 1) keeps the eigenvectors whose cumulative energy stays below τ; an integer ≥ 1 keeps
 *                   that many (clamped to the numerical rank)
 * @param weightType how object weights follow from α and area
 * @param coverage   how boxes become token weights
 * @param layers     Q-Former layers whose cross-attention queries are perturbed; empty = every cross-attention
 *                   layer; a given list must name cross-attention layers only (checked by {@link #resolveLayers});
 *                   an empty list turns the perturbation off
 */
public record Perturbation(double alpha, double tau, WeightType weightType, CoverageMode coverage,
                           Optional<List<Integer>> layers) {

    public Perturbation {
        if (!(alpha > 0) || !Double.isFinite(alpha)) {
            // α scales the object weights up (spec/QPERT.md §4): 0 or less would shrink or flip the object subspace
            throw new IllegalArgumentException("perturbation alpha must be a finite number > 0, got " + alpha);
        }
        if (!(tau > 0 && tau < 1) && !(tau >= 1 && tau == Math.rint(tau) && tau <= Integer.MAX_VALUE)) {
            throw new IllegalArgumentException("perturbation tau must be in (0, 1) or an integer >= 1, got " + tau);
        }
        if (weightType == null || coverage == null || layers == null) {
            throw new IllegalArgumentException("perturbation weight type, coverage and layers must be given");
        }
        layers = layers.map(List::copyOf);
        layers.ifPresent(list -> list.forEach(l -> {
            if (l < 0) {
                throw new IllegalArgumentException("perturbation layer index must be >= 0, got " + l);
            }
        }));
    }

    /** The published setting: CONSTANT, α = 8, τ = 0.99, MASK_RESIZE, every cross-attention layer. */
    public static Perturbation published() {
        return new Perturbation(8, 0.99, WeightType.CONSTANT, CoverageMode.MASK_RESIZE, Optional.empty());
    }

    /** No perturbation: images are embedded as plain BLIP-2 does, whatever boxes are given. */
    public static Perturbation none() {
        return published().withLayers();
    }

    public Perturbation withAlpha(double a) {
        return new Perturbation(a, tau, weightType, coverage, layers);
    }

    public Perturbation withTau(double t) {
        return new Perturbation(alpha, t, weightType, coverage, layers);
    }

    public Perturbation withWeightType(WeightType w) {
        return new Perturbation(alpha, tau, w, coverage, layers);
    }

    public Perturbation withCoverage(CoverageMode c) {
        return new Perturbation(alpha, tau, weightType, c, layers);
    }

    /** Perturbs only the given layers (none given: perturbs nothing). */
    public Perturbation withLayers(int... indices) {
        return new Perturbation(alpha, tau, weightType, coverage, Optional.of(Arrays.stream(indices).boxed().toList()));
    }

    /** Perturbs every cross-attention layer. */
    public Perturbation withAllCrossAttentionLayers() {
        return new Perturbation(alpha, tau, weightType, coverage, Optional.empty());
    }

    /** True when no layer is perturbed, so no eigenproblem needs solving. */
    public boolean isOff() {
        return layers.isPresent() && layers.get().isEmpty();
    }

    /** τ as a basis-vector count, or 0 when τ is an energy fraction in (0, 1). */
    public int fixedBasisCount() {
        return tau >= 1 ? (int) tau : 0;
    }

    /**
     * The layers to perturb, ascending and without repeats, given the model's cross-attention layers. Throws when
     * a requested layer has no cross-attention.
     */
    public int[] resolveLayers(int[] crossAttentionLayers) {
        if (layers.isEmpty()) {
            return crossAttentionLayers.clone();
        }
        TreeSet<Integer> chosen = new TreeSet<>(layers.get());
        for (int l : chosen) {
            if (Arrays.stream(crossAttentionLayers).noneMatch(c -> c == l)) {
                throw new IllegalArgumentException("perturbation layer " + l + " has no cross-attention; the model's"
                        + " cross-attention layers are " + Arrays.toString(crossAttentionLayers));
            }
        }
        return chosen.stream().mapToInt(Integer::intValue).toArray();
    }
}
