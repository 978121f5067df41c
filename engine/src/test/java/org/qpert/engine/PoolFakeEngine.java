package org.qpert.engine;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.CpuBackend;
import org.qpert.core.model.ModelCard;
import org.qpert.core.model.TokenGrid;
import org.qpert.core.qpert.Box;

/**
 * A model stand-in for galleries of any size, with scores a test can recompute: an image's two 4-wide feature rows
 * are seeded by its file name (and, perturbed, also by its boxes: no boxes, no change), a caption's feature by its
 * text, the ITM logit by image, text and (perturbed) boxes. Its detector, when it has one, gives an image one box
 * seeded by the file name. Every image is 100 × 100.
 */
class PoolFakeEngine implements RetrievalEngine {
    static final int QUERIES = 2, WIDTH = 4;
    private static final Backend CPU = new CpuBackend();
    private static final ModelCard CARD = new ModelCard("fake-pool", "Fake pool", QUERIES, WIDTH,
            ModelCard.Similarity.MAX_OVER_QUERIES, true, new TokenGrid(1, 1, 1, TokenGrid.Resize.SQUASH),
            new int[] {2, 2}, List.of());
    private final DetectMode detect;

    /** @param detect which images its detector boxes, or null for no detector */
    PoolFakeEngine(DetectMode detect) {
        this.detect = detect;
    }

    /** The ITC feature rows [QUERIES, WIDTH], L2-normalized, of the image file {@code name} with {@code boxes}. */
    static float[] features(String name, List<Box> boxes, boolean perturbed) {
        float[] f = gaussian(new Random(name.hashCode()), QUERIES * WIDTH);
        if (perturbed && !boxes.isEmpty()) {
            float[] shift = gaussian(new Random(boxes.hashCode()), QUERIES * WIDTH);
            for (int j = 0; j < f.length; j++) {
                f[j] += shift[j];
            }
        }
        for (int q = 0; q < QUERIES; q++) {
            normalize(f, q * WIDTH, WIDTH);
        }
        return f;
    }

    /** The normalized text feature [WIDTH]. */
    static float[] textFeature(String text) {
        float[] f = gaussian(new Random(text.hashCode()), WIDTH);
        normalize(f, 0, WIDTH);
        return f;
    }

    /** The ITM logit of image {@code name} (embedded with {@code boxes}) and {@code text}. */
    static float itmLogit(String name, List<Box> boxes, boolean perturbed, String text) {
        return logit(imageSeed(name), boxes, perturbed, text);
    }

    private static float logit(int imageSeed, List<Box> boxes, boolean perturbed, String text) {
        return (float) new Random(31L * imageSeed + text.hashCode() + (perturbed ? boxes.hashCode() : 0))
                .nextGaussian();
    }

    /** The boxes its detector finds in image {@code name}. */
    static List<Box> detectedBoxes(String name) {
        int side = 5 + Math.floorMod(name.hashCode(), 40);
        return List.of(new Box(10, 10, 10 + side, 10 + side));
    }

    /** Exact in a float, so that Z can carry it to {@link #itm}. */
    private static int imageSeed(String name) {
        return name.hashCode() & 0xFFFFF;
    }

    private static float[] gaussian(Random r, int n) {
        float[] v = new float[n];
        for (int j = 0; j < n; j++) {
            v[j] = (float) r.nextGaussian();
        }
        return v;
    }

    private static void normalize(float[] v, int from, int n) {
        double s = 0;
        for (int j = from; j < from + n; j++) {
            s += v[j] * v[j];
        }
        float inv = (float) (1 / Math.sqrt(s));
        for (int j = from; j < from + n; j++) {
            v[j] *= inv;
        }
    }

    @Override
    public Backend backend() {
        return CPU;
    }

    @Override
    public ModelCard card() {
        return CARD;
    }

    @Override
    public Map<String, String> storeSettings() {
        return Map.of("model", "fake-pool", StoredImage.PERTURBATION, "on", "detect",
                detect == null ? "none" : detect.name());
    }

    @Override
    public boolean perturbs() {
        return true;
    }

    @Override
    public boolean detects(GalleryImage image) {
        return detect != null && detect.detects(image.annotated());
    }

    @Override
    public GalleryImage withBoxes(GalleryImage image) {
        return detects(image) ? new GalleryImage(image.id(), image.file(),
                detectedBoxes(image.file().getFileName().toString()), true) : image;
    }

    /** Z = [seed of the file name, 0, 0, 0]: ITM reads back which image it scores. */
    @Override
    public EmbeddedImage embed(Path file, List<Box> boxes) {
        String name = file.getFileName().toString();
        return new EmbeddedImage(100, 100, new float[] {imageSeed(name), 0, 0, 0}, features(name, boxes, false),
                features(name, boxes, true));
    }

    @Override
    public float[] textFeatures(List<String> texts) {
        float[] out = new float[texts.size() * WIDTH];
        for (int t = 0; t < texts.size(); t++) {
            System.arraycopy(textFeature(texts.get(t)), 0, out, t * WIDTH, WIDTH);
        }
        return out;
    }

    @Override
    public float[] itm(float[] z, int height, int width, List<Box> boxes, boolean perturbed, List<String> texts) {
        float[] out = new float[texts.size()];
        for (int t = 0; t < out.length; t++) {
            out[t] = logit((int) z[0], boxes, perturbed, texts.get(t));
        }
        return out;
    }

    @Override
    public void close() {
    }
}
