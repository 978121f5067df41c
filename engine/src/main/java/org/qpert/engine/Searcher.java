package org.qpert.engine;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.qpert.core.qpert.Box;
import org.qpert.core.retrieval.ItcScores;
import org.qpert.core.retrieval.Reranker;
import org.qpert.core.retrieval.ScoreMatrix;
import org.qpert.core.retrieval.TopK;
import org.qpert.loaders.store.EmbeddingStore;

/** One query against a gallery: ITC for all, ITM re-ranking of the top-k (0 = ITC only), best first. */
public final class Searcher {
    private Searcher() {
    }

    /**
     * One result.
     *
     * @param index position in the gallery (store order for images, list order for captions)
     * @param label image id or caption
     * @param score final score (ITM + ITC inside the top-k, −100 + ITC outside; ITC when k = 0)
     * @param itc   the ITC score alone
     */
    public record Hit(int index, String label, float score, float itc) {
    }

    /** A text against the images of a store (perturbed features when the store and engine have them). */
    public static List<Hit> text(RetrievalEngine engine, EmbeddingStore store, String text, int itmK, int top) {
        List<String> ids = store.ids();
        if (ids.isEmpty()) {
            throw new IllegalArgumentException("store " + store.dir() + " holds no images");
        }
        boolean perturbed = engine.perturbs();
        int[] shape = engine.featureShape();
        float[] images = store.readAll(perturbed ? StoredImage.ITC_QPERT : StoredImage.ITC);
        ScoreMatrix itc = ItcScores.compute(engine.backend(), images, ids.size(), shape[0],
                engine.textFeatures(List.of(text)), 1, shape[1]).transpose();
        ScoreMatrix scores = itmK == 0 ? itc : Reranker.rerankRows(itc, itmK, (q, gallery) -> {
            float[] out = new float[gallery.length];
            for (int j = 0; j < gallery.length; j++) {
                String id = ids.get(gallery[j]);
                StoredImage m = StoredImage.of(store, id);
                out[j] = engine.itm(store.read(id, StoredImage.Z), m.height(), m.width(), m.boxes(), perturbed,
                        List.of(text))[0];
            }
            return out;
        });
        return hits(scores, itc, ids, top);
    }

    /**
     * An image against captions, with its boxes (none given = unannotated: the engine's detector, if any, finds
     * them).
     */
    public static List<Hit> image(RetrievalEngine engine, Path file, List<Box> given, List<String> captions, int itmK,
                                  int top) {
        if (captions.isEmpty()) {
            throw new IllegalArgumentException("no captions to search");
        }
        List<Box> boxes = engine.withBoxes(new GalleryImage(file.toString(), file, given, !given.isEmpty())).boxes();
        RetrievalEngine.EmbeddedImage e = engine.embed(file, boxes);
        boolean perturbed = engine.perturbs();
        int[] shape = engine.featureShape();
        ScoreMatrix itc = ItcScores.compute(engine.backend(), perturbed ? e.perturbedFeatures() : e.features(), 1,
                shape[0], engine.textFeatures(captions), captions.size(), shape[1]);
        ScoreMatrix scores = itmK == 0 ? itc : Reranker.rerankRows(itc, itmK, (q, gallery) -> {
            List<String> texts = new ArrayList<>(gallery.length);
            for (int t : gallery) {
                texts.add(captions.get(t));
            }
            return engine.itm(e.imageEmbeds(), e.height(), e.width(), boxes, perturbed, texts);
        });
        return hits(scores, itc, captions, top);
    }

    private static List<Hit> hits(ScoreMatrix scores, ScoreMatrix itc, List<String> labels, int top) {
        if (top < 1) {
            throw new IllegalArgumentException("--top must be at least 1, got " + top);
        }
        List<Hit> out = new ArrayList<>();
        for (int c : TopK.ofRows(scores, top)[0]) {
            out.add(new Hit(c, labels.get(c), scores.get(0, c), itc.get(0, c)));
        }
        return out;
    }
}
