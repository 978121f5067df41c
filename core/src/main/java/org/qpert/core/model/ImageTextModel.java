package org.qpert.core.model;

import java.util.List;
import java.util.Optional;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Tensor;

/**
 * A retrieval model of any family (DESIGN.md "Model families"), batched: every call takes many items and each item's
 * result equals what it gives alone. What it can do is on its {@link #card()}.
 *
 * @param <I> the family's encoded image
 */
public interface ImageTextModel<I extends EncodedImage> {

    ModelCard card();

    Backend backend();

    /** The image tower over preprocessed pixels [3, S, S] of each image, keys of every perturbation site kept. */
    List<I> encodeImages(List<float[]> pixels);

    /**
     * Normalized ITC features [queries, width] of each image, image i under {@code perturbations.get(i)} (
     * {@link QueryPerturbation#NONE} leaves it as the model computes it).
     */
    List<float[]> imageFeatures(List<I> images, List<? extends QueryPerturbation> perturbations);

    /** Normalized text features [width] of token rows (ids and, where the family uses one, a mask of 1/0; or null). */
    List<float[]> textFeatures(List<int[]> ids, List<int[]> masks);

    /** The pair scorer, where the card says there is one. */
    Optional<PairScorer<I>> pairScorer();

    /**
     * Re-scores (image, text) pairs (BLIP-2's ITM head): logits [no match, match] per pair.
     *
     * @param <I> the family's encoded image
     */
    interface PairScorer<I extends EncodedImage> {

        /** One pair: an encoded image under its perturbation and one text's ids and mask. */
        record Pair<I>(I image, QueryPerturbation perturbation, int[] ids, int[] mask) {
        }

        List<float[]> logits(List<Pair<I>> pairs);

        /** An encoded image rebuilt from its stored image tokens [T, Dv] (what a store keeps as Z). */
        I restore(Tensor imageEmbeds);
    }
}
