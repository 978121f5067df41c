package org.qpert.core.model;

/**
 * One query cross-attention over the image tokens that Q-Perturbation can hook ({@link QueryCrossAttention}).
 *
 * @param index   the model's index of the site, under which an encoded image keeps its keys (BLIP-2: the Q-Former
 *                layer; a model with one pooler: 0)
 * @param name    its weights' prefix, e.g. {@code qformer.layer.0.crossattention} or {@code visual.attn_pool}
 * @param heads   attention heads H
 * @param headDim width d of each head; P̄ is d × d per head
 */
public record PerturbationSite(int index, String name, int heads, int headDim) {
    public PerturbationSite {
        if (heads <= 0 || headDim <= 0) {
            throw new IllegalArgumentException("site " + name + ": " + heads + " heads of " + headDim);
        }
    }
}
