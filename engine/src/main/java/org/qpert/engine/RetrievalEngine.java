package org.qpert.engine;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.qpert.core.backend.Backend;
import org.qpert.core.model.ModelCard;
import org.qpert.core.qpert.Box;

/**
 * What retrieval needs from a model of any family: embed an image once (its ITC vectors with and without
 * Q-Perturbation, and the image tokens Z where the model scores pairs), embed texts, and, where its {@link #card()}
 * has a pair scorer, score image-text pairs by ITM from a stored Z. Thread-safe.
 */
public interface RetrievalEngine extends AutoCloseable {

    /** The backend the model runs on; retrieval math (the ITC matrix) runs there too. */
    Backend backend();

    /** What the model can do; callers read it instead of naming a family. */
    ModelCard card();

    /** Settings that decide every stored value (model identity, image size, perturbation); a store keeps them. */
    Map<String, String> storeSettings();

    /** Shape of Z, [T, Dv]. */
    default int[] imageEmbedsShape() {
        return card().imageEmbedsShape();
    }

    /** Shape of one image's ITC features, [Nq, E] ([1, E] for a single-vector family). */
    default int[] featureShape() {
        return card().featureShape();
    }

    /** Whether {@link #itm} can be asked: the model has a pair scorer. */
    default boolean scoresPairs() {
        return card().pairScorer();
    }

    /** Whether perturbed features are produced (false with --no-qpert). */
    boolean perturbs();

    /**
     * One image's embeddings.
     *
     * @param height,width     original size in pixels (the boxes' frame)
     * @param imageEmbeds      Z, [T, Dv], or null where the model scores no pairs
     * @param features         unperturbed ITC features [Nq, E], L2-normalized rows
     * @param perturbedFeatures perturbed ITC features, or null when {@link #perturbs()} is false
     */
    record EmbeddedImage(int height, int width, float[] imageEmbeds, float[] features, float[] perturbedFeatures) {
    }

    /**
     * Whether the engine replaces {@code image}'s boxes by a detector's ({@link #withBoxes}). A store then holds the
     * detected boxes, and the detector's identity and settings are part of {@link #storeSettings()}.
     */
    default boolean detects(GalleryImage image) {
        return false;
    }

    /** {@code image} with the boxes it is embedded with: its own, or the detector's when {@link #detects} says so. */
    default GalleryImage withBoxes(GalleryImage image) {
        return image;
    }

    /** Decodes and embeds {@code file}; {@code boxes} are in its original pixel coordinates. */
    EmbeddedImage embed(Path file, List<Box> boxes);

    /**
     * Decodes and embeds a batch of files, file i with {@code boxes.get(i)}; each result equals {@link #embed} of
     * that file alone. The default embeds them one by one; a model engine runs them as one batch.
     */
    default List<EmbeddedImage> embedAll(List<Path> files, List<List<Box>> boxes) {
        if (files.size() != boxes.size()) {
            throw new IllegalArgumentException(boxes.size() + " box lists for " + files.size() + " files");
        }
        List<EmbeddedImage> out = new java.util.ArrayList<>(files.size());
        for (int i = 0; i < files.size(); i++) {
            out.add(embed(files.get(i), boxes.get(i)));
        }
        return out;
    }

    /** Normalized ITC text features [texts, E] of the captions (cleaned and tokenized as the model expects). */
    float[] textFeatures(List<String> texts);

    /**
     * ITM class-1 logits of one image against several captions, from its stored Z, original size and boxes; with
     * {@code perturbed} the image's P̄ (built once for all captions) perturbs the queries. Refused where
     * {@link #scoresPairs()} is false.
     */
    float[] itm(float[] imageEmbeds, int height, int width, List<Box> boxes, boolean perturbed, List<String> texts);

    /**
     * A stored image and one caption to score by ITM.
     *
     * @param imageEmbeds Z, [T, Dv]
     * @param height,width original size in pixels (the boxes' frame)
     */
    record ItmQuery(float[] imageEmbeds, int height, int width, List<Box> boxes, String text) {
    }

    /**
     * ITM class-1 logits of many (image, caption) pairs, e.g. one text query against its top-k images; each equals
     * {@link #itm} of that pair alone. The default scores the pairs one by one; a model engine batches them.
     */
    default float[] itm(List<ItmQuery> pairs, boolean perturbed) {
        float[] out = new float[pairs.size()];
        for (int i = 0; i < out.length; i++) {
            ItmQuery q = pairs.get(i);
            out[i] = itm(q.imageEmbeds(), q.height(), q.width(), q.boxes(), perturbed, List.of(q.text()))[0];
        }
        return out;
    }

    @Override
    void close();
}
