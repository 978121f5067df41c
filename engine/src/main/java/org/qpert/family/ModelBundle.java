package org.qpert.family;

import java.util.ArrayList;
import java.util.List;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Tensor;
import org.qpert.core.model.EncodedImage;
import org.qpert.core.model.ImageTextModel.PairScorer;
import org.qpert.core.model.ImageTextModel;
import org.qpert.core.model.ModelCard;
import org.qpert.core.model.QueryPerturbation;
import org.qpert.loaders.image.RgbImage;
import org.qpert.loaders.text.Encoding;

/**
 * A family's model with its preprocessing and caption handling, as a {@link FamilyModel}: each family's plug-in
 * builds one of these, so the typed model stays typed and the one place that takes an {@link EncodedImage} back to
 * the family's own type is {@link #own}.
 *
 * @param <I> the family's encoded image
 */
public final class ModelBundle<I extends EncodedImage> implements FamilyModel {
    private final ImageTextModel<I> model;
    private final Class<I> imageType;
    private final ImagePreprocessing preprocessing;
    private final CaptionEncoder captions;
    private final String variant;

    /**
     * @param model         the family's model
     * @param imageType     the class of its encoded images
     * @param preprocessing the family's image preprocessing (pixels [3, S, S])
     * @param captions      the family's caption handling (ids and mask, no padding; refuses empty captions)
     */
    public ModelBundle(ImageTextModel<I> model, Class<I> imageType, ImagePreprocessing preprocessing,
                       CaptionEncoder captions) {
        this(model, imageType, preprocessing, captions, null);
    }

    /** The same for one of the checkpoint's several models, named {@code variant} (null where it holds one). */
    public ModelBundle(ImageTextModel<I> model, Class<I> imageType, ImagePreprocessing preprocessing,
                       CaptionEncoder captions, String variant) {
        this.model = model;
        this.imageType = imageType;
        this.preprocessing = preprocessing;
        this.captions = captions;
        this.variant = variant;
    }

    /** The typed model underneath. */
    public ImageTextModel<I> model() {
        return model;
    }

    @Override
    public ModelCard card() {
        return model.card();
    }

    @Override
    public java.util.Optional<String> variant() {
        return java.util.Optional.ofNullable(variant);
    }

    @Override
    public Backend backend() {
        return model.backend();
    }

    @Override
    public float[] pixelValues(RgbImage image) {
        return preprocessing.pixelValues(image);
    }

    @Override
    public Encoding encode(String caption) {
        return captions.encode(caption);
    }

    @Override
    public List<EncodedImage> encodeImages(List<float[]> pixels) {
        return List.copyOf(model.encodeImages(pixels));
    }

    @Override
    public List<float[]> imageFeatures(List<EncodedImage> images, List<? extends QueryPerturbation> perturbations) {
        return model.imageFeatures(images.stream().map(this::own).toList(), perturbations);
    }

    @Override
    public List<float[]> textFeatures(List<Encoding> encodings) {
        return model.textFeatures(encodings.stream().map(Encoding::ids).toList(),
                encodings.stream().map(Encoding::attentionMask).toList());
    }

    @Override
    public EncodedImage restore(Tensor imageEmbeds) {
        return scorer().restore(imageEmbeds);
    }

    @Override
    public List<float[]> pairLogits(List<Pair> pairs) {
        List<PairScorer.Pair<I>> typed = new ArrayList<>(pairs.size());
        for (Pair p : pairs) {
            typed.add(new PairScorer.Pair<>(own(p.image()), p.perturbation(), p.caption().ids(),
                    p.caption().attentionMask()));
        }
        return scorer().logits(typed);
    }

    private PairScorer<I> scorer() {
        return model.pairScorer().orElseThrow(() -> new UnsupportedOperationException("a " + card().family()
                + " model has no pair scorer (no ITM head): rank by its image-text similarity alone"));
    }

    private I own(EncodedImage image) {
        if (!imageType.isInstance(image)) {
            throw new IllegalArgumentException("an image encoded by another model (" + image.getClass().getSimpleName()
                    + ") was given to a " + card().family() + " model");
        }
        return imageType.cast(image);
    }
}
