package org.qpert.core.model;

import org.qpert.core.backend.Tensor;

/**
 * An image after the model's image tower, kept for everything that follows without running the tower again: the
 * features pass (plain and perturbed), the keys Q-Perturbation builds P̄ from, and a pair scorer's passes.
 * Owns its tensors: closed, not collected.
 */
public interface EncodedImage extends AutoCloseable {

    /** The image tokens [T, Dv] a pair scorer re-reads (stored as Z where the model has a pair scorer). */
    Tensor imageEmbeds();

    /** Keys K = X·Wkᵀ + bk [T, H·d] of perturbation site {@code site} ({@link PerturbationSite#index()}). */
    Tensor keys(int site);

    @Override
    void close();
}
