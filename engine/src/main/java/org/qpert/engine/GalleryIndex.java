package org.qpert.engine;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.qpert.core.qpert.Box;
import org.qpert.core.retrieval.ItcScores;
import org.qpert.core.retrieval.Reranker;
import org.qpert.core.retrieval.ScoreMatrix;
import org.qpert.core.retrieval.TopK;
import org.qpert.loaders.store.EmbeddingStore;

/**
 * The images of a store held in memory for searching many times (a service): their ITC features, plain and (when the
 * engine perturbs) perturbed, and their metadata. A text query is scored by ITC against every image and its top-k
 * re-ranked by ITM from the stored Z. Images added here are embedded, written to the store and flushed to disk before
 * {@link #add} returns, then searchable. Searches read an immutable snapshot and never wait for an add. Thread-safe;
 * the caller owns the engine and the store.
 *
 * <p>Loaded with an {@link ItcIndex}, the ITC features stay out of memory: the index ranks the images by ITC, the top
 * k are re-ranked by ITM from the store's Z as in memory, and an added image goes into the index before {@link #add}
 * returns. An exact index gives the results of the in-memory search.
 */
public final class GalleryIndex {
    private final RetrievalEngine engine;
    private final EmbeddingStore store;
    private final int[] featureShape;
    private final Set<String> reserved = new HashSet<>();
    private final ItcIndex itcIndex;
    private volatile Snapshot snapshot;

    /**
     * One image found.
     *
     * @param index position in the store
     * @param score final score: ITM + ITC inside the re-ranked top-k, −100 + ITC outside it, ITC without re-ranking
     * @param itc   the ITC score
     * @param itm   the ITM class-1 logit, or null when the image was not re-ranked
     */
    public record Result(int index, String id, float score, float itc, Float itm, StoredImage image) {
    }

    /** A second image under an id the store already holds. */
    public static final class DuplicateIdException extends IllegalArgumentException {
        DuplicateIdException(String message) {
            super(message);
        }
    }

    /** Immutable: ids and metadata in store order, features [n, Nq, E] concatenated (null with an ITC index). */
    private record Snapshot(List<String> ids, List<StoredImage> images, float[] itc, float[] itcQpert) {
    }

    private GalleryIndex(RetrievalEngine engine, EmbeddingStore store, Snapshot snapshot, ItcIndex itcIndex) {
        this.engine = engine;
        this.itcIndex = itcIndex;
        this.store = store;
        this.featureShape = engine.featureShape();
        this.snapshot = snapshot;
    }

    /** Reads every stored image's features and metadata; the store must have been opened with the engine's spec. */
    public static GalleryIndex load(RetrievalEngine engine, EmbeddingStore store) {
        List<String> ids = store.ids();
        List<StoredImage> images = ids.stream().map(id -> StoredImage.of(store, id)).toList();
        return new GalleryIndex(engine, store, new Snapshot(ids, images, store.readAll(StoredImage.ITC),
                engine.perturbs() ? store.readAll(StoredImage.ITC_QPERT) : null), null);
    }

    /**
     * Reads every stored image's metadata and ranks by {@code itc}, which must hold the store's images in store
     * order (the caller brings it in step; the Lucene index of module {@code index} does so when opened).
     */
    public static GalleryIndex load(RetrievalEngine engine, EmbeddingStore store, ItcIndex itc) {
        List<String> ids = store.ids();
        List<StoredImage> images = ids.stream().map(id -> StoredImage.of(store, id)).toList();
        return new GalleryIndex(engine, store, new Snapshot(ids, images, null, null), itc);
    }

    /** How images are ranked by ITC: {@code memory}, or the index's own description. */
    public String itcSource() {
        return itcIndex == null ? "memory" : itcIndex.describe();
    }

    public RetrievalEngine engine() {
        return engine;
    }

    public EmbeddingStore store() {
        return store;
    }

    /** Whether searches can re-rank by ITM: the model scores pairs and the store keeps Z ({@link Rerank#possible}). */
    public boolean canRerank() {
        return Rerank.possible(engine, store);
    }

    /** Number of searchable images. */
    public int size() {
        return snapshot.ids().size();
    }

    public boolean contains(String id) {
        return store.contains(id);
    }

    /** The metadata of a stored image. */
    public StoredImage image(String id) {
        return StoredImage.of(store, id);
    }

    /**
     * The best {@code top} images for {@code text}; {@code rerank} images (the ITC top) get ITM re-ranking (0 = ITC
     * only; more needs a store that keeps Z). {@code perturbed} picks the Q-Perturbation features and ITM, which needs
     * an engine that perturbs. An empty store gives no results.
     */
    public List<Result> searchText(String text, int top, int rerank, boolean perturbed) {
        if (top < 1) {
            throw new IllegalArgumentException("top must be at least 1, got " + top);
        }
        if (rerank < 0) {
            throw new IllegalArgumentException("rerank must be >= 0, got " + rerank);
        }
        if (perturbed && !engine.perturbs()) {
            throw new IllegalArgumentException("this store holds no Q-Perturbation features (made with --no-qpert)");
        }
        if (rerank > 0 && !canRerank()) {
            throw Rerank.impossible(engine, store);
        }
        Snapshot s = snapshot;
        int n = s.ids().size();
        float[] textFeature = engine.textFeatures(List.of(text));
        if (n == 0) {
            return List.of();
        }
        if (itcIndex != null) {
            return searchIndex(s, text, textFeature, top, rerank, perturbed);
        }
        ScoreMatrix itc = ItcScores.compute(engine.backend(), perturbed ? s.itcQpert() : s.itc(), n, featureShape[0],
                textFeature, 1, featureShape[1]).transpose();
        Float[] itm = new Float[n];
        ScoreMatrix scores = rerank == 0 ? itc : Reranker.rerankRows(itc, rerank, (q, gallery) -> {
            List<RetrievalEngine.ItmQuery> pairs = new ArrayList<>(gallery.length);
            for (int i : gallery) {
                StoredImage m = s.images().get(i);
                pairs.add(new RetrievalEngine.ItmQuery(store.read(s.ids().get(i), StoredImage.Z), m.height(),
                        m.width(), m.boxes(), text));
            }
            float[] out = engine.itm(pairs, perturbed);
            for (int j = 0; j < gallery.length; j++) {
                itm[gallery[j]] = out[j];
            }
            return out;
        });
        List<Result> out = new ArrayList<>();
        for (int i : TopK.ofRows(scores, top)[0]) {
            out.add(new Result(i, s.ids().get(i), scores.get(0, i), itc.get(0, i), itm[i], s.images().get(i)));
        }
        return out;
    }

    /**
     * The ITC top max(top, rerank) from the index, scored as {@link Reranker#rerankRows} scores the in-memory ranking:
     * ITM + ITC inside the top {@code rerank}, −100 + ITC below it, ITC alone without re-ranking; ties by store order.
     */
    private List<Result> searchIndex(Snapshot s, String text, float[] textFeature, int top, int rerank,
                                     boolean perturbed) {
        int n = s.ids().size(), want = Math.min(Math.max(top, rerank), n);
        List<ItcIndex.Hit> hits;
        try {
            // Images added after this search took its snapshot may already be in the index: they are left out (as
            // the in-memory search leaves them out), and the index asked again for as many more as were left out.
            for (int ask = want; ; ask += want - hits.size()) {
                List<ItcIndex.Hit> found = itcIndex.top(textFeature, ask, perturbed);
                hits = found.stream().filter(h -> h.index() < n).toList();
                if (hits.size() >= want || found.size() < ask) {
                    break;
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("ITC index (" + itcIndex.describe() + "): " + e.getMessage(), e);
        }
        List<RetrievalEngine.ItmQuery> pairs = new ArrayList<>();
        for (ItcIndex.Hit h : hits) {
            if (!s.ids().get(h.index()).equals(h.id())) {
                throw new IllegalStateException("ITC index (" + itcIndex.describe() + ") is not in step with store "
                        + store.dir() + ": it has '" + h.id() + "' at position " + h.index());
            }
            if (pairs.size() < rerank) {
                StoredImage m = s.images().get(h.index());
                pairs.add(new RetrievalEngine.ItmQuery(store.read(h.id(), StoredImage.Z), m.height(), m.width(),
                        m.boxes(), text));
            }
        }
        float[] logits = pairs.isEmpty() ? new float[0] : engine.itm(pairs, perturbed);
        List<Result> out = new ArrayList<>(hits.size());
        for (int r = 0; r < hits.size(); r++) {
            ItcIndex.Hit h = hits.get(r);
            Float itm = r < logits.length ? logits[r] : null;
            float score = itm != null ? itm + h.itc() : rerank == 0 ? h.itc() : Reranker.OUTSIDE + h.itc();
            out.add(new Result(h.index(), h.id(), score, h.itc(), itm, s.images().get(h.index())));
        }
        out.sort((a, b) -> a.score() != b.score() ? Float.compare(b.score(), a.score())
                : Integer.compare(a.index(), b.index()));
        return out.subList(0, Math.min(top, out.size()));
    }

    /**
     * Embeds {@code file} with {@code boxes} (original pixels; {@code annotated} says whether boxes were looked for at
     * all), writes it to the store under {@code id} and flushes the store, then makes it searchable. Adds of other
     * ids run in parallel; the store write is serialized.
     *
     * @throws DuplicateIdException when the store holds {@code id} or another add of it is running
     */
    public StoredImage add(String id, Path file, List<Box> boxes, boolean annotated) throws IOException {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("empty image id");
        }
        synchronized (reserved) {
            if (store.contains(id) || !reserved.add(id)) {
                throw new DuplicateIdException("image id '" + id + "' is already in store " + store.dir());
            }
        }
        try {
            // An engine with a detector gives an unannotated image (or every image) the detector's boxes.
            GalleryImage boxed = engine.withBoxes(new GalleryImage(id, file, boxes, annotated));
            RetrievalEngine.EmbeddedImage e = engine.embed(file, boxed.boxes());
            StoredImage meta = new StoredImage(e.height(), e.width(), boxed.annotated(), boxed.boxes(),
                    file.toAbsolutePath().normalize().toString());
            Map<String, float[]> values = StoredImage.values(store.spec(), e, engine.perturbs());
            synchronized (this) {
                store.add(id, values, meta.toJson());
                store.flush();
                Snapshot s = snapshot;
                List<String> ids = new ArrayList<>(s.ids());
                ids.add(id);
                List<StoredImage> images = new ArrayList<>(s.images());
                images.add(meta);
                snapshot = itcIndex != null ? new Snapshot(List.copyOf(ids), List.copyOf(images), null, null)
                        : new Snapshot(List.copyOf(ids), List.copyOf(images), append(s.itc(), e.features()),
                        engine.perturbs() ? append(s.itcQpert(), e.perturbedFeatures()) : null);
                if (itcIndex != null) {
                    itcIndex.committed(store);
                }
            }
            return meta;
        } finally {
            synchronized (reserved) {
                reserved.remove(id);
            }
        }
    }

    /** Copy-on-write: searches hold the old array; an add costs one copy of the features, small next to embedding. */
    private static float[] append(float[] all, float[] one) {
        float[] out = Arrays.copyOf(all, all.length + one.length);
        System.arraycopy(one, 0, out, all.length, one.length);
        return out;
    }
}
