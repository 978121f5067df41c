package org.qpert.engine;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.CpuBackend;
import org.qpert.core.model.ModelCard;
import org.qpert.core.model.TokenGrid;
import org.qpert.core.qpert.Box;

/**
 * A single-vector model stand-in without a pair scorer (CLIP-style, as CoCa): image "imgK.png" has one vector, the
 * unit vector at (K, K+1 mod 4) scaled to length 1; perturbed, image 1 looks like image 0. Caption "image K ..." is
 * one-hot K. So every image's cosine with its own captions is 1/√2 and with the next index's captions 1/√2 too — a
 * tie broken by gallery order — while the perturbed pass moves image 1 onto image 0. Every image is 100 × 100.
 */
class SingleVectorFakeEngine implements RetrievalEngine {
    private static final Backend CPU = new CpuBackend();
    static final ModelCard CARD = new ModelCard("fake-single", "Fake single-vector", 1, 4, ModelCard.Similarity.SINGLE_VECTOR, false,
            new TokenGrid(1, 1, 1, TokenGrid.Resize.SHORTEST_SIDE_CENTRE_CROP), new int[] {2, 2}, List.of());
    private static final float H = (float) (1 / Math.sqrt(2));

    private final boolean perturbs;

    SingleVectorFakeEngine(boolean perturbs) {
        this.perturbs = perturbs;
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
        return Map.of("model", "fake-single", StoredImage.PERTURBATION, perturbs ? "on" : "off");
    }

    @Override
    public boolean perturbs() {
        return perturbs;
    }

    static float[] vector(int k) {
        float[] v = new float[4];
        v[k % 4] = H;
        v[(k + 1) % 4] = H;
        return v;
    }

    @Override
    public EmbeddedImage embed(Path file, List<Box> boxes) {
        int k = FakeEngine.index(file.getFileName().toString());
        return new EmbeddedImage(100, 100, null, vector(k), perturbs ? vector(k == 1 ? 0 : k) : null);
    }

    @Override
    public float[] textFeatures(List<String> texts) {
        float[] out = new float[texts.size() * 4];
        for (int t = 0; t < texts.size(); t++) {
            out[t * 4 + FakeEngine.index(texts.get(t).split(" ")[1])] = 1;
        }
        return out;
    }

    @Override
    public float[] itm(float[] z, int height, int width, List<Box> boxes, boolean perturbed, List<String> texts) {
        throw new AssertionError("ITM asked of a model whose card has no pair scorer");
    }

    @Override
    public void close() {
    }
}
