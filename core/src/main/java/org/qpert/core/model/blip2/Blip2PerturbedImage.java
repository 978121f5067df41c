package org.qpert.core.model.blip2;

import java.util.List;
import org.qpert.core.model.ActivationSink;
import org.qpert.core.qpert.Box;
import org.qpert.core.qpert.ImageObject;
import org.qpert.core.qpert.ImagePerturbation;
import org.qpert.core.qpert.Perturbation;
import org.qpert.core.qpert.PerturbedImage;

/**
 * A BLIP-2 image encoded once for object-aware retrieval: the ViT output and cross-attention keys/values
 * ({@link ImageContext}), its objects and their P̄ ({@link ImagePerturbation}), as {@link PerturbedImage} builds them
 * for any family, with BLIP-2's passes at hand (the parity runs and tests use them). Both are reused by the ITC pass and
 * by every ITM pair of the image (spec/QPERT.md §6): nothing here is recomputed per text.
 *
 * @param objects one per given box, in order (objects that cover no token included; they add nothing to P̄)
 */
public record Blip2PerturbedImage(ImageContext context, List<ImageObject> objects, ImagePerturbation perturbation) {

    public Blip2PerturbedImage {
        objects = List.copyOf(objects);
    }

    /**
     * Encodes pixels [3, S, S] (already preprocessed) of an image whose original size is {@code height × width} and
     * whose object boxes, in original pixels, are {@code boxes} (empty: plain BLIP-2). {@code settings} may be
     * {@link Perturbation#none()}.
     */
    public static Blip2PerturbedImage encode(Blip2Retrieval model, float[] pixels, int height, int width, List<Box> boxes,
                                             Perturbation settings, ActivationSink sink) {
        return of(model, model.encodeImage(pixels, sink), height, width, boxes, settings);
    }

    public static Blip2PerturbedImage encode(Blip2Retrieval model, float[] pixels, int height, int width, List<Box> boxes,
                                             Perturbation settings) {
        return encode(model, pixels, height, width, boxes, settings, ActivationSink.NONE);
    }

    /** Adds objects and P̄ to an already encoded image. */
    public static Blip2PerturbedImage of(Blip2Retrieval model, ImageContext context, int height, int width,
                                         List<Box> boxes, Perturbation settings) {
        PerturbedImage p = PerturbedImage.of(model.card(), model.backend(), context, height, width, boxes, settings);
        return new Blip2PerturbedImage(context, p.objects(), p.perturbation());
    }

    /** Normalized projected query embeddings [Nq, E] with the perturbation applied. */
    public float[] imageFeatures(Blip2Retrieval model, ActivationSink sink) {
        return model.imageFeatures(context, perturbation, sink);
    }

    public float[] imageFeatures(Blip2Retrieval model) {
        return imageFeatures(model, ActivationSink.NONE);
    }

    /** ITM logits [2] of this image with one text (ids, mask of equal length, or mask null), perturbed. */
    public float[] itmLogits(Blip2Retrieval model, int[] ids, int[] mask, ActivationSink sink) {
        return model.itmLogits(context, perturbation, ids, mask, sink);
    }

    public float[] itmLogits(Blip2Retrieval model, int[] ids, int[] mask) {
        return itmLogits(model, ids, mask, ActivationSink.NONE);
    }
}
