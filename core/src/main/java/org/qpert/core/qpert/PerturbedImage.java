package org.qpert.core.qpert;

import java.util.ArrayList;
import java.util.List;
import org.qpert.core.model.ActivationSink;
import org.qpert.core.model.Blip2Retrieval;
import org.qpert.core.model.ImageContext;
import org.qpert.core.model.QFormerConfig;
import org.qpert.core.model.VisionConfig;
import org.qpert.core.qpert.ImagePerturbationBuilder.LayerKeys;

/**
 * An image encoded once for object-aware retrieval: the ViT output and cross-attention keys/values
 * ({@link ImageContext}), its objects and their P̄ ({@link ImagePerturbation}). Both are reused by the ITC pass and by
 * every ITM pair of the image (spec/QPERT.md §6): nothing here is recomputed per text.
 *
 * @param objects one per given box, in order (objects that cover no token included; they add nothing to P̄)
 */
public record PerturbedImage(ImageContext context, List<ImageObject> objects, ImagePerturbation perturbation) {

    public PerturbedImage {
        objects = List.copyOf(objects);
    }

    /**
     * Encodes pixels [3, S, S] (already preprocessed) of an image whose original size is {@code height × width} and
     * whose object boxes, in original pixels, are {@code boxes} (empty: plain BLIP-2). {@code settings} may be
     * {@link Perturbation#none()}.
     */
    public static PerturbedImage encode(Blip2Retrieval model, float[] pixels, int height, int width, List<Box> boxes,
                                        Perturbation settings, ActivationSink sink) {
        return of(model, model.encodeImage(pixels, sink), height, width, boxes, settings);
    }

    public static PerturbedImage encode(Blip2Retrieval model, float[] pixels, int height, int width, List<Box> boxes,
                                        Perturbation settings) {
        return encode(model, pixels, height, width, boxes, settings, ActivationSink.NONE);
    }

    /** Adds objects and P̄ to an already encoded image. */
    public static PerturbedImage of(Blip2Retrieval model, ImageContext context, int height, int width, List<Box> boxes,
                                    Perturbation settings) {
        VisionConfig vision = model.config().vision();
        QFormerConfig qformer = model.config().qformer();
        List<ImageObject> objects = ImageObject.of(boxes, height, width, vision.imageSize(), vision.patchSize(),
                settings);
        if (settings.isOff() || objects.isEmpty()) {
            return new PerturbedImage(context, objects, ImagePerturbation.none());
        }
        List<LayerKeys> keys = new ArrayList<>();
        for (int l : qformer.crossAttentionLayers()) {
            keys.add(new LayerKeys(l, context.keys(l)));
        }
        ImagePerturbation p = new ImagePerturbationBuilder(model.backend(), settings)
                .build(objects, keys, qformer.numAttentionHeads());
        return new PerturbedImage(context, objects, p);
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
