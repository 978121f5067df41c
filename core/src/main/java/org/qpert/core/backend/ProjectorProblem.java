package org.qpert.core.backend;

import java.util.List;

/**
 * The eigen work of Q-Perturbation for one image (spec/QPERT.md §4, §6), as {@link Backend#meanProjectors} takes it:
 * the keys of each perturbed cross-attention layer, and every object that covers a token with its covered tokens,
 * their weights and its weight w_j. For each (object, layer, head) the backend solves R = FᵀF (d × d, F = diag(w)·K_h
 * over the covered tokens) or, when the object covers fewer tokens n than d, the Gram matrix F Fᵀ (same non-zero
 * spectrum, eigenvectors u = Fᵀv/‖Fᵀv‖); keeps the k leading eigenvectors that {@link #basis} picks; and sums
 * P̄_{l,h} = (1/N) Σ_j w_j U_k U_kᵀ over the N objects. Validated once, here.
 *
 * @param keys    K_l [T, H·d] per perturbed layer, tensors of the backend that solves the problem, all one shape
 * @param heads   H
 * @param objects the covering objects (at least one)
 * @param basis   k from an object's eigenvalues
 * @param path    which eigenproblem an object gets; {@link EigenPath#AUTO} unless a test forces one
 */
public record ProjectorProblem(List<Tensor> keys, int heads, List<CoveredTokens> objects, BasisRule basis,
                               EigenPath path) {

    /** Which eigenproblem an object gets. */
    public enum EigenPath {
        /** The Gram matrix when the object covers fewer tokens than d, the second moment otherwise. */
        AUTO,
        DIRECT,
        GRAM
    }

    /** k, the number of leading eigenvectors kept, from the n eigenvalues {@code values[offset..)} sorted descending. */
    @FunctionalInterface
    public interface BasisRule {
        int keep(double[] values, int offset, int n);
    }

    /**
     * One object's covered tokens in increasing order, their (non-zero) weights, and its weight w_j.
     */
    public record CoveredTokens(int[] tokens, double[] weights, double weight) {
        public CoveredTokens {
            if (tokens.length == 0 || tokens.length != weights.length) {
                throw new IllegalArgumentException("an object needs as many token weights as covered tokens (" + tokens.length
                        + " tokens, " + weights.length + " weights), at least one");
            }
            for (int a = 1; a < tokens.length; a++) {
                if (tokens[a] <= tokens[a - 1]) {
                    throw new IllegalArgumentException("covered tokens must increase, got " + tokens[a - 1] + " then "
                            + tokens[a]);
                }
            }
        }

        public int count() {
            return tokens.length;
        }
    }

    public ProjectorProblem {
        keys = List.copyOf(keys);
        objects = List.copyOf(objects);
        if (keys.isEmpty() || objects.isEmpty() || basis == null || path == null) {
            throw new IllegalArgumentException("a projector problem needs keys of at least one layer, at least one "
                    + "covering object, a basis rule and a path");
        }
        Tensor first = keys.get(0);
        for (Tensor k : keys) {
            if (k.rows() != first.rows() || k.cols() != first.cols()) {
                throw new IllegalArgumentException("keys of the perturbed layers have shapes " + first.shape() + " and "
                        + k.shape() + "; all must be equal");
            }
        }
        if (heads <= 0 || first.cols() % heads != 0) {
            throw new IllegalArgumentException("key width " + first.cols() + " is not divisible by " + heads + " heads");
        }
        for (CoveredTokens o : objects) {
            if (o.tokens()[0] < 0 || o.tokens()[o.count() - 1] >= first.rows()) {
                throw new IllegalArgumentException("an object covers token " + o.tokens()[o.count() - 1]
                        + " but the keys have " + first.rows() + " rows");
            }
        }
    }

    public int layers() {
        return keys.size();
    }

    /** T, the key rows. */
    public int tokens() {
        return keys.get(0).rows();
    }

    /** d, the head size. */
    public int headDim() {
        return keys.get(0).cols() / heads;
    }

    /** Whether object {@code o} gets the Gram problem. */
    public boolean usesGram(CoveredTokens o) {
        return path == EigenPath.GRAM || (path == EigenPath.AUTO && o.count() < headDim());
    }
}
