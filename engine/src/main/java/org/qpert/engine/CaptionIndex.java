package org.qpert.engine;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.qpert.core.qpert.Box;
import org.qpert.core.retrieval.ItcScores;
import org.qpert.core.retrieval.Reranker;
import org.qpert.core.retrieval.ScoreMatrix;
import org.qpert.core.retrieval.TopK;

/**
 * Captions embedded once, searched by image many times: ITC of the image's query features against every caption,
 * the top-k re-ranked by ITM with the image's own Z and boxes. Thread-safe.
 */
public final class CaptionIndex {
    private final RetrievalEngine engine;
    private final List<String> captions;
    private final float[] features;

    /**
     * One caption found.
     *
     * @param index position in the caption list
     * @param score final score (as {@link GalleryIndex.Result#score()})
     * @param itm   the ITM class-1 logit, or null when the caption was not re-ranked
     */
    public record Result(int index, String caption, float score, float itc, Float itm) {
    }

    private CaptionIndex(RetrievalEngine engine, List<String> captions, float[] features) {
        this.engine = engine;
        this.captions = captions;
        this.features = features;
    }

    /** Embeds the captions (at least one; each must have tokens after cleaning). */
    public static CaptionIndex of(RetrievalEngine engine, List<String> captions) {
        if (captions.isEmpty()) {
            throw new IllegalArgumentException("no captions to search");
        }
        return new CaptionIndex(engine, List.copyOf(captions), engine.textFeatures(captions));
    }

    public List<String> captions() {
        return captions;
    }

    /**
     * The best {@code top} captions for the image in {@code file} with {@code given} boxes (original pixels; none =
     * unannotated, so the engine's detector, if any, finds them), {@code rerank} of them re-ranked by ITM (0 = ITC
     * only), with or without Q-Perturbation.
     */
    public List<Result> search(Path file, List<Box> given, int top, int rerank, boolean perturbed) {
        if (top < 1) {
            throw new IllegalArgumentException("top must be at least 1, got " + top);
        }
        if (rerank < 0) {
            throw new IllegalArgumentException("rerank must be >= 0, got " + rerank);
        }
        if (perturbed && !engine.perturbs()) {
            throw new IllegalArgumentException("the engine runs without Q-Perturbation (--no-qpert)");
        }
        if (rerank > 0 && !Rerank.possible(engine, null)) {
            throw Rerank.impossible(engine, null);
        }
        List<Box> boxes = engine.withBoxes(new GalleryImage(file.toString(), file, given, !given.isEmpty())).boxes();
        RetrievalEngine.EmbeddedImage e = engine.embed(file, boxes);
        int[] shape = engine.featureShape();
        ScoreMatrix itc = ItcScores.compute(engine.backend(), perturbed ? e.perturbedFeatures() : e.features(), 1,
                shape[0], features, captions.size(), shape[1]);
        Float[] itm = new Float[captions.size()];
        ScoreMatrix scores = rerank == 0 ? itc : Reranker.rerankRows(itc, rerank, (q, gallery) -> {
            List<String> texts = new ArrayList<>(gallery.length);
            for (int t : gallery) {
                texts.add(captions.get(t));
            }
            float[] out = engine.itm(e.imageEmbeds(), e.height(), e.width(), boxes, perturbed, texts);
            for (int j = 0; j < gallery.length; j++) {
                itm[gallery[j]] = out[j];
            }
            return out;
        });
        List<Result> out = new ArrayList<>();
        for (int c : TopK.ofRows(scores, top)[0]) {
            out.add(new Result(c, captions.get(c), scores.get(0, c), itc.get(0, c), itm[c]));
        }
        return out;
    }
}
