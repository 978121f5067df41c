package org.qpert.core.model;

import java.util.List;
import java.util.Objects;

/**
 * What a loaded retrieval checkpoint can do, read by everything above the model instead of its family's types
 * (DESIGN.md "Model families"): how an image is represented and scored, whether image-text pairs can be re-scored,
 * how pixels map to tokens, and where Q-Perturbation hooks in.
 *
 * @param family           the family's name as recorded in stores and settings, e.g. {@code blip-2}
 * @param title            the family's name in reports, e.g. {@code BLIP-2}
 * @param queries          ITC vectors per image (32 for BLIP-2, 1 for a single-vector family)
 * @param width            width of each ITC vector and of a text feature
 * @param similarity       how an image's vectors score against a text feature
 * @param pairScorer       whether the model re-scores (image, text) pairs (BLIP-2's ITM head)
 * @param grid             how the preprocessed image maps onto the image tokens the perturbation weighs
 * @param imageEmbedsShape shape [T, Dv] of the image tokens a pair scorer re-reads (what a store keeps as Z)
 * @param sites            the query cross-attentions Q-Perturbation can perturb, in model order
 */
public record ModelCard(String family, String title, int queries, int width, Similarity similarity, boolean pairScorer,
                        TokenGrid grid, int[] imageEmbedsShape, List<PerturbationSite> sites) {

    /** How the ITC vectors of an image score against a text feature. */
    public enum Similarity {
        /** The best cosine over the image's query vectors (BLIP-2's ITC). */
        MAX_OVER_QUERIES,
        /** One cosine with the image's only vector (CLIP-style). */
        SINGLE_VECTOR
    }

    public ModelCard {
        Objects.requireNonNull(family);
        Objects.requireNonNull(title);
        Objects.requireNonNull(similarity);
        Objects.requireNonNull(grid);
        if (queries <= 0 || width <= 0) {
            throw new IllegalArgumentException(family + ": " + queries + " × " + width + " ITC vectors");
        }
        if (similarity == Similarity.SINGLE_VECTOR && queries != 1) {
            throw new IllegalArgumentException(family + ": a single-vector model has " + queries + " vectors");
        }
        if (imageEmbedsShape.length != 2) {
            throw new IllegalArgumentException(family + ": image tokens shape must be [T, D]");
        }
        imageEmbedsShape = imageEmbedsShape.clone();
        sites = List.copyOf(sites);
    }

    /** Shape [queries, width] of one image's ITC features. */
    public int[] featureShape() {
        return new int[] {queries, width};
    }

    @Override
    public int[] imageEmbedsShape() {
        return imageEmbedsShape.clone();
    }

    /** The site with model index {@code index}. */
    public PerturbationSite site(int index) {
        for (PerturbationSite s : sites) {
            if (s.index() == index) {
                return s;
            }
        }
        throw new IllegalArgumentException(family + " has no perturbation site " + index);
    }

    /** The sites as a store records them, e.g. {@code qformer.layer.0.crossattention:12x64,…}. */
    public String describeSites() {
        StringBuilder out = new StringBuilder();
        for (PerturbationSite s : sites) {
            out.append(out.length() == 0 ? "" : ",").append(s.name()).append(':').append(s.heads()).append('x')
                    .append(s.headDim());
        }
        return out.toString();
    }
}
