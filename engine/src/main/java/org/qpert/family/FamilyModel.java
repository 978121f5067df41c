package org.qpert.family;

import java.util.List;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Tensor;
import org.qpert.core.model.EncodedImage;
import org.qpert.core.model.ModelCard;
import org.qpert.core.model.QueryPerturbation;
import org.qpert.loaders.image.RgbImage;
import org.qpert.loaders.text.Encoding;

/**
 * A loaded checkpoint of any family with its own image preprocessing and caption handling: what the facade and the
 * engine run. Every pass is batched; an item's result equals what it gives alone. Safe to share between threads.
 */
public interface FamilyModel {

    ModelCard card();

    /** Which of the checkpoint's models this is, where it holds several (e.g. InternVL-G); empty where it holds one. */
    default java.util.Optional<String> variant() {
        return java.util.Optional.empty();
    }

    Backend backend();

    /** The family's preprocessing of a decoded image: pixels [3, S, S] as its image tower reads them. */
    float[] pixelValues(RgbImage image);

    /**
     * The family's caption handling (cleaning, tokenizer, cut to its length): ids and mask without padding. Refuses an
     * empty caption, or one with no token left after cleaning, naming it.
     */
    Encoding encode(String caption);

    /** The image tower over a batch of pixels, keys of every perturbation site kept. */
    List<EncodedImage> encodeImages(List<float[]> pixels);

    /** Normalized ITC features [queries, width] of each image under its perturbation. */
    List<float[]> imageFeatures(List<EncodedImage> images, List<? extends QueryPerturbation> perturbations);

    /** Normalized text features [width] of encoded captions. */
    List<float[]> textFeatures(List<Encoding> captions);

    /** An encoded image rebuilt from its stored image tokens Z [T, Dv], for pair scoring. */
    EncodedImage restore(Tensor imageEmbeds);

    /** One (image, caption) pair to score: the image under its perturbation, the caption encoded. */
    record Pair(EncodedImage image, QueryPerturbation perturbation, Encoding caption) {
    }

    /** Pair logits [no match, match] (BLIP-2's ITM); refused where {@link ModelCard#pairScorer()} is false. */
    List<float[]> pairLogits(List<Pair> pairs);
}
