package org.qpert.engine;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.CpuBackend;
import org.qpert.core.model.ModelCard;
import org.qpert.core.model.TokenGrid;
import org.qpert.core.qpert.Box;

/**
 * A model stand-in with hand-checkable scores. Image "imgK.png" has features: query 0 = one-hot K (dimension 4),
 * query 1 = 0; perturbed: the same except image 1, which looks like image 0. Caption "image K ..." has feature one-hot
 * K. Z = [K, height, width, boxes] so ITM can tell which image it sees: ITM logit 1 for a caption of the same image,
 * else 0. Every image is 100 × 100.
 */
class FakeEngine implements RetrievalEngine {
    private static final Backend CPU = new CpuBackend();
    final AtomicInteger embedded = new AtomicInteger();
    private final boolean perturbs;
    private final String failOn;

    FakeEngine(boolean perturbs) {
        this(perturbs, null);
    }

    /** An engine that throws when asked to embed {@code failOn}, as a crash in the middle of a run. */
    FakeEngine(boolean perturbs, String failOn) {
        this.perturbs = perturbs;
        this.failOn = failOn;
    }

    @Override
    public Backend backend() {
        return CPU;
    }

    @Override
    public Map<String, String> storeSettings() {
        return Map.of("model", "fake", StoredImage.PERTURBATION, perturbs ? "on" : "off");
    }

    /** Two 4-wide vectors per image scored by the better one, a pair scorer over Z [2, 2], no perturbation site. */
    static final ModelCard CARD = new ModelCard("fake-multi", "Fake multi-vector", 2, 4, ModelCard.Similarity.MAX_OVER_QUERIES, true,
            new TokenGrid(1, 1, 1, TokenGrid.Resize.SQUASH), new int[] {2, 2}, List.of());

    @Override
    public ModelCard card() {
        return CARD;
    }

    @Override
    public boolean perturbs() {
        return perturbs;
    }

    static int index(String name) {
        return Integer.parseInt(name.replaceAll("\\D", ""));
    }

    @Override
    public EmbeddedImage embed(Path file, List<Box> boxes) {
        if (file.getFileName().toString().equals(failOn)) {
            throw new IllegalStateException("simulated crash on " + failOn);
        }
        embedded.incrementAndGet();
        int k = index(file.getFileName().toString());
        float[] plain = new float[8];
        plain[k] = 1;
        float[] perturbed = new float[8];
        perturbed[k == 1 ? 0 : k] = 1;
        float[] z = {k, 100, 100, boxes.size()};
        return new EmbeddedImage(100, 100, z, plain, perturbs ? perturbed : null);
    }

    @Override
    public float[] textFeatures(List<String> texts) {
        float[] out = new float[texts.size() * 4];
        for (int t = 0; t < texts.size(); t++) {
            out[t * 4 + index(texts.get(t).split(" ")[1])] = 1;
        }
        return out;
    }

    @Override
    public float[] itm(float[] z, int height, int width, List<Box> boxes, boolean perturbed, List<String> texts) {
        if (height != 100 || width != 100 || boxes.size() != (int) z[3]) {
            throw new AssertionError("stored size or boxes did not come back: " + height + "x" + width + " " + boxes);
        }
        float[] out = new float[texts.size()];
        for (int t = 0; t < out.length; t++) {
            out[t] = index(texts.get(t).split(" ")[1]) == (int) z[0] ? 1 : 0;
        }
        return out;
    }

    @Override
    public void close() {
    }
}
