package org.qpert.core.model;

import org.qpert.core.backend.Tensor;

/**
 * Per cross-attention layer, the matrix P̄ that turns each query head slice q into q + P̄·q (Q-Perturbation).
 * Computed once per image and reused for its ITC pass and every ITM pair.
 */
@FunctionalInterface
public interface QueryPerturbation {
    QueryPerturbation NONE = layer -> null;

    /** P̄ of Q-Former layer {@code layer} as [heads·d, d] (rows h·d.. hold head h), or null to leave it unperturbed. */
    Tensor pbar(int layer);
}
