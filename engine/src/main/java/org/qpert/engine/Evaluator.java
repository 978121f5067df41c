package org.qpert.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import org.qpert.core.retrieval.Evaluation;
import org.qpert.core.retrieval.ItcScores;
import org.qpert.core.retrieval.Progress;
import org.qpert.core.retrieval.Reranker;
import org.qpert.core.retrieval.ScoreMatrix;
import org.qpert.loaders.store.EmbeddingStore;
import org.qpert.loaders.store.StoreSpec;

/**
 * The paper's evaluation (spec/QPERT.md §7) over a gallery whose images are in a store: ITC for every text × image,
 * ITM re-ranking of the top-k in both directions, metrics overall and per object size; once without perturbation and,
 * when the engine perturbs, once with it. Text-to-image retrieval searches the whole gallery, distractors included;
 * image-to-text retrieval has the captioned images as queries ({@link Gallery#captionedImages()}).
 */
public final class Evaluator {
    /** Texts embedded per batch. */
    static final int TEXT_BATCH = 256;

    private Evaluator() {
    }

    /**
     * One evaluated condition.
     *
     * @param perturbed   whether Q-Perturbation was applied
     * @param itc         metrics of the ITC scores alone
     * @param reranked    metrics after ITM re-ranking (the reported numbers); equal to {@code itc} when k = 0
     * @param pairsScored ITM evaluations made
     */
    public record Condition(boolean perturbed, Evaluation itc, Evaluation reranked, long pairsScored) {
    }

    /**
     * The whole protocol in one call: embeds the gallery images {@code storeDir} lacks (creating or resuming the
     * store), then evaluates and returns the report, titled {@code title}, with the engine's settings.
     *
     * @param itmK  top-k re-ranked by ITM; 0 = ITC only
     * @param batch images embedded per batch and written per store shard
     */
    public static EvalReport evaluate(RetrievalEngine engine, Gallery gallery, Path storeDir, int itmK, int batch,
                                      String title) throws IOException {
        return evaluate(engine, gallery, storeDir, itmK, batch, title, null);
    }

    /**
     * As {@link #evaluate(RetrievalEngine, Gallery, Path, int, int, String)}, the store keeping Z as {@code z} (null:
     * as an existing store does, float32 for a new one); ITM re-ranking ({@code itmK > 0}) needs a store with Z.
     */
    public static EvalReport evaluate(RetrievalEngine engine, Gallery gallery, Path storeDir, int itmK, int batch,
                                      String title, StoreZ z) throws IOException {
        StoreSpec spec = StoredImage.spec(engine, storeDir, z);
        if (itmK > 0 && !engine.scoresPairs()) {
            throw Rerank.impossible(engine, null);
        }
        if (itmK > 0 && !spec.fieldNames().contains(StoredImage.Z)) {
            throw new IllegalArgumentException("store " + storeDir + " keeps no ViT output Z (--store-z none), which "
                    + "ITM re-ranking reads: evaluate with --itm-k 0 or keep Z");
        }
        try (EmbeddingStore s = EmbeddingStore.open(storeDir, spec, batch)) {
            GalleryEmbedder.embedMissing(engine, gallery.images(), s, batch);
            List<Condition> conditions = run(engine, gallery, s, itmK);
            return new EvalReport(title, engine.card().title(), new LinkedHashMap<>(s.spec().settings()),
                    gallery.images().size(), gallery.distractors(), gallery.captions().size(), gallery.boxSourceCounts(engine::detects), itmK,
                    conditions);
        }
    }

    /**
     * {@code qpert-stores/<dataset>-<model fingerprint>-<hash of the engine's settings>}, relative to the working folder: one
     * store per dataset, model and perturbation setting, so a rerun resumes and other settings never collide.
     */
    public static Path defaultStore(DatasetLayout layout, RetrievalEngine engine) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
        sha.update(engine.storeSettings().toString().getBytes(StandardCharsets.UTF_8));
        String name = layout.cliName() + "-" + engine.storeSettings().getOrDefault("model_fingerprint", "model") + "-"
                + HexFormat.of().formatHex(sha.digest(), 0, 4);
        return Path.of("qpert-stores", name);
    }

    /** @param itmK top-k re-ranked by ITM; 0 = ITC only */
    public static List<Condition> run(RetrievalEngine engine, Gallery gallery, EmbeddingStore store, int itmK) {
        if (itmK < 0) {
            throw new IllegalArgumentException("--itm-k must be >= 0, got " + itmK);
        }
        List<GalleryImage> images = gallery.images();
        int queries = gallery.captionedImages();
        StoredImage[] meta = new StoredImage[images.size()];
        // Sizes of the query images only: a distractor is never a query, nor a caption's answer.
        double[] sizes = new double[queries];
        for (int i = 0; i < meta.length; i++) {
            meta[i] = StoredImage.of(store, images.get(i).id());
            if (i < queries) {
                sizes[i] = meta[i].objectSize();
            }
        }
        float[] texts = textFeatures(engine, gallery.captions());
        int[] shape = engine.featureShape();
        List<Condition> out = new ArrayList<>();
        for (boolean perturbed : engine.perturbs() ? new boolean[] {false, true} : new boolean[] {false}) {
            float[] feats = imageFeatures(store, images, perturbed ? StoredImage.ITC_QPERT : StoredImage.ITC,
                    shape[0] * shape[1]);
            ScoreMatrix itc = ItcScores.compute(engine.backend(), feats, images.size(), shape[0], texts,
                    gallery.captions().size(), shape[1]);
            Evaluation itcOnly = Evaluation.of(itc.firstRows(queries), itc.transpose(), gallery.captionImage(), sizes);
            if (itmK == 0) {
                out.add(new Condition(perturbed, itcOnly, itcOnly, 0));
                continue;
            }
            Progress progress = Progress.logging(perturbed ? "ITM re-rank (perturbed)" : "ITM re-rank",
                    images.size(), "images");
            Reranker.Result r = Reranker.rerank(itc, queries, itmK, (i, textIds) -> {
                List<String> captions = new ArrayList<>(textIds.length);
                for (int t : textIds) {
                    captions.add(gallery.captions().get(t));
                }
                StoredImage m = meta[i];
                return engine.itm(store.read(images.get(i).id(), StoredImage.Z), m.height(), m.width(), m.boxes(),
                        perturbed, captions);
            }, progress);
            progress.finish();
            out.add(new Condition(perturbed, itcOnly,
                    Evaluation.of(r.imageToText(), r.textToImage(), gallery.captionImage(), sizes), r.pairsScored()));
        }
        return out;
    }

    private static float[] textFeatures(RetrievalEngine engine, List<String> captions) {
        int dim = engine.featureShape()[1];
        float[] out = new float[Math.multiplyExact(captions.size(), dim)];
        Progress progress = Progress.logging("embed texts", captions.size(), "texts");
        for (int from = 0; from < captions.size(); from += TEXT_BATCH) {
            List<String> batch = captions.subList(from, Math.min(captions.size(), from + TEXT_BATCH));
            float[] f = engine.textFeatures(batch);
            if (f.length != batch.size() * dim) {
                throw new IllegalStateException("engine returned " + f.length + " text feature values for "
                        + batch.size() + " texts of dimension " + dim);
            }
            System.arraycopy(f, 0, out, from * dim, f.length);
            progress.advance(batch.size());
        }
        progress.finish();
        return out;
    }

    private static float[] imageFeatures(EmbeddingStore store, List<GalleryImage> images, String field, int size) {
        float[] out = new float[Math.multiplyExact(images.size(), size)];
        for (int i = 0; i < images.size(); i++) {
            System.arraycopy(store.read(images.get(i).id(), field), 0, out, i * size, size);
        }
        return out;
    }
}
