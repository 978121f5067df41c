package org.qpert.core.qpert;

import java.util.ArrayList;
import java.util.List;
import org.qpert.core.model.TokenGrid;

/**
 * One object box of an image, ready for Q-Perturbation: the box clipped to the image, its area fraction a_j, its
 * weight w_j and its token weights (spec/QPERT.md §3, §5). An object whose token weights are all zero covers no
 * token and is left out of P̄ and of its mean.
 */
public final class ImageObject {
    private final Box box;
    private final double area;
    private final double weight;
    private final float[] tokenWeights;
    private final int coveredTokens;

    ImageObject(Box box, double area, double weight, float[] tokenWeights) {
        this.box = box;
        this.area = area;
        this.weight = weight;
        this.tokenWeights = tokenWeights;
        int n = 0;
        for (float w : tokenWeights) {
            if (w != 0) {
                n++;
            }
        }
        this.coveredTokens = n;
    }

    /**
     * Objects of an image of {@code height × width} original pixels whose ViT sees {@code imageSize²} pixels in
     * {@code patchSize} patches. Boxes are validated and clipped to the image ({@link Box#clipTo}); the area and
     * the object weight are those of the clipped box.
     */
    public static List<ImageObject> of(List<Box> boxes, int height, int width, int imageSize, int patchSize,
                                       Perturbation settings) {
        return of(boxes, height, width, new TokenGrid(1, patchSize, imageSize, TokenGrid.Resize.SQUASH), settings);
    }

    /** The same for a model whose token grid and resize geometry are {@code grid} ({@link TokenCoverage}). */
    public static List<ImageObject> of(List<Box> boxes, int height, int width, TokenGrid grid, Perturbation settings) {
        List<ImageObject> objects = new ArrayList<>(boxes.size());
        for (Box box : boxes) {
            Box clipped = box.clipTo(height, width);
            double area = clipped.areaFraction(height, width);
            float[] tokens = TokenCoverage.weights(clipped, height, width, grid, settings.coverage());
            objects.add(new ImageObject(clipped, area, settings.weightType().weight(settings.alpha(), area), tokens));
        }
        return objects;
    }

    /**
     * An object given by its weights directly (tests, and callers that compute coverage themselves): w_j finite,
     * token weights finite and non-negative.
     */
    public static ImageObject ofTokenWeights(double weight, float[] tokenWeights) {
        if (!Double.isFinite(weight)) {
            throw new IllegalArgumentException("object weight must be finite, got " + weight);
        }
        for (int t = 0; t < tokenWeights.length; t++) {
            if (!(tokenWeights[t] >= 0) || Float.isInfinite(tokenWeights[t])) {
                throw new IllegalArgumentException("token weight " + t + " is " + tokenWeights[t]
                        + ", expected a finite value >= 0");
            }
        }
        return new ImageObject(null, Double.NaN, weight, tokenWeights.clone());
    }

    /** The clipped box, or null for an object made by {@link #ofTokenWeights}. */
    public Box box() {
        return box;
    }

    /** a_j, the clipped box's fraction of the image (NaN when made from token weights). */
    public double area() {
        return area;
    }

    /** w_j. */
    public double weight() {
        return weight;
    }

    /** A copy of the token weights, T values, token 0 = CLS = 0. */
    public float[] tokenWeights() {
        return tokenWeights.clone();
    }

    float tokenWeight(int token) {
        return tokenWeights[token];
    }

    int tokenCount() {
        return tokenWeights.length;
    }

    /** Number of tokens with a non-zero weight (n in spec §4). */
    public int coveredTokens() {
        return coveredTokens;
    }

    public boolean coversAnyToken() {
        return coveredTokens > 0;
    }
}
