package org.qpert.core.qpert;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.qpert.core.backend.Backend;
import org.qpert.core.model.EncodedImage;
import org.qpert.core.model.ModelCard;
import org.qpert.core.model.PerturbationSite;
import org.qpert.core.model.TokenGrid;
import org.qpert.core.qpert.ImagePerturbationBuilder.LayerKeys;

/**
 * An image encoded once for object-aware retrieval, of any family: the model's encoded image (its tokens and the keys
 * of every perturbation site), its objects and their P̄ ({@link ImagePerturbation}). Both are reused by the features
 * pass and by every pair the image is scored in (spec/QPERT.md §6): nothing here is recomputed per text.
 *
 * @param image   the encoded image
 * @param objects one per given box, in order (objects that cover no token included; they add nothing to P̄)
 */
public record PerturbedImage(EncodedImage image, List<ImageObject> objects, ImagePerturbation perturbation) {

    public PerturbedImage {
        objects = List.copyOf(objects);
    }

    /**
     * Adds objects and P̄ to an encoded image of a model with {@code card}, whose original size is
     * {@code height × width} and whose object boxes, in original pixels, are {@code boxes} (empty: unperturbed).
     * Only the card (token grid, sites) and the image's keys are read. {@code settings} may be
     * {@link Perturbation#none()}.
     */
    public static PerturbedImage of(ModelCard card, Backend backend, EncodedImage image, int height, int width,
                                    List<Box> boxes, Perturbation settings) {
        List<ImageObject> objects = objects(card.grid(), height, width, boxes, settings);
        if (settings.isOff() || objects.isEmpty() || card.sites().isEmpty()) {
            return new PerturbedImage(image, objects, ImagePerturbation.none());
        }
        int[] chosen = settings.resolveLayers(card.sites().stream().mapToInt(PerturbationSite::index).toArray());
        // One P̄ build per head shape (H, d): sites of different shapes are separate eigenproblem batches, merged
        // into one perturbation.
        Map<List<Integer>, List<PerturbationSite>> byShape = new LinkedHashMap<>();
        for (PerturbationSite site : card.sites()) {
            if (Arrays.stream(chosen).anyMatch(c -> c == site.index())) {
                byShape.computeIfAbsent(List.of(site.heads(), site.headDim()), s -> new ArrayList<>()).add(site);
            }
        }
        List<ImagePerturbation> parts = new ArrayList<>();
        byShape.forEach((shape, sites) -> {
            List<LayerKeys> keys = new ArrayList<>();
            for (PerturbationSite site : sites) {
                keys.add(new LayerKeys(site.index(), image.keys(site.index())));
            }
            Perturbation these = settings.withLayers(sites.stream().mapToInt(PerturbationSite::index).toArray());
            parts.add(new ImagePerturbationBuilder(backend, these).build(objects, keys, shape.get(0)));
        });
        return new PerturbedImage(image, objects, ImagePerturbation.merge(parts, objects.size()));
    }

    /** The objects of {@code boxes} with their token weights through the grid's geometry. */
    static List<ImageObject> objects(TokenGrid grid, int height, int width, List<Box> boxes, Perturbation settings) {
        return ImageObject.of(boxes, height, width, grid, settings);
    }
}
