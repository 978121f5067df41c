package org.qpert.core.model.blip2;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Segments;
import org.qpert.core.backend.Tensor;
import org.qpert.core.backend.TensorScope;
import org.qpert.core.model.ActivationSink;
import org.qpert.core.model.ImageTextModel;
import org.qpert.core.model.Linear;
import org.qpert.core.model.ModelCard;
import org.qpert.core.model.ModelWeights;
import org.qpert.core.model.PerturbationSite;
import org.qpert.core.model.QueryPerturbation;
import org.qpert.core.model.TokenGrid;
import org.qpert.core.model.WeightSource;
import org.qpert.core.retrieval.ItcScores;

/**
 * {@code Blip2ForImageTextRetrieval}: the ViT, the Q-Former, the text embeddings and the three heads. Every pass takes
 * a batch (images, captions of mixed lengths, or (image, caption) pairs each with its own P̄) stacked into one
 * sequence of segments; an item's result equals what it gives alone, and the single-item methods are the batch of
 * one. Safe to share between threads (it holds only immutable weights).
 *
 * <p>ITC: image features = normalize(vision_projection(Q-Former(query_tokens | image))) [Nq, E]; text feature =
 * normalize(text_projection(Q-Former(text)[CLS])) [E]; score = max over queries of their dot product (no temperature).
 * ITM: the mean over query rows of itm_head(Q-Former(query_tokens + text | image)) [2]; index 1 = match.
 *
 * <p>Each public pass runs in a {@link TensorScope}: its intermediate tensors are closed when it returns, and only an
 * {@link ImageContext} outlives {@link #encodeImage}.
 */
public final class Blip2Retrieval implements ImageTextModel<ImageContext> {
    /** The family name stores record and users see. */
    public static final String FAMILY = "blip-2";

    private final Blip2Config cfg;
    private final Backend backend;
    private final VisionModel vision;
    private final QFormerModel qformer;
    private final TextEmbeddings embeddings;
    private final Tensor queryTokens; // [Nq, H]
    private final Linear visionProjection; // [E, H]
    private final Linear textProjection; // [E, H]
    private final Linear itmHead; // [2, H]
    private final ModelCard card;

    private Blip2Retrieval(Blip2Config cfg, ModelWeights w) {
        this.cfg = cfg;
        this.backend = w.backend();
        QFormerConfig q = cfg.qformer();
        int h = q.hiddenSize(), e = cfg.imageTextHiddenSize(), nq = cfg.numQueryTokens();
        this.vision = new VisionModel(w, cfg.vision());
        this.qformer = new QFormerModel(w, q);
        this.embeddings = new TextEmbeddings(w, q);
        this.queryTokens = w.table("query_tokens", nq, h, 1, nq, h);
        this.visionProjection = Linear.load(w, "vision_projection", e, h);
        this.textProjection = Linear.load(w, "text_projection", e, h);
        this.itmHead = Linear.load(w, "itm_head", 2, h);
        this.card = cardOf(cfg);
    }

    /** 32 query vectors scored by their best cosine, an ITM head, one site per Q-Former cross-attention layer. */
    private static ModelCard cardOf(Blip2Config cfg) {
        QFormerConfig q = cfg.qformer();
        List<PerturbationSite> sites = new ArrayList<>();
        for (int l : q.crossAttentionLayers()) {
            sites.add(new PerturbationSite(l, "qformer.layer." + l + ".crossattention", q.numAttentionHeads(),
                    q.headDim()));
        }
        TokenGrid grid = new TokenGrid(1, cfg.vision().patchSize(), cfg.vision().imageSize(), TokenGrid.Resize.SQUASH);
        return new ModelCard(FAMILY, "BLIP-2", cfg.numQueryTokens(), cfg.imageTextHiddenSize(),
                ModelCard.Similarity.MAX_OVER_QUERIES, true, grid,
                new int[] {grid.tokens(), cfg.vision().hiddenSize()}, sites);
    }

    /** Loads every tensor the model needs from {@code weights} onto {@code backend}; shapes are checked by name. */
    public static Blip2Retrieval load(Blip2Config cfg, WeightSource weights, Backend backend) {
        try {
            return new Blip2Retrieval(cfg, new ModelWeights(weights, backend));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(weights.describe() + ": " + e.getMessage(), e);
        }
    }

    public Blip2Config config() {
        return cfg;
    }

    @Override
    public ModelCard card() {
        return card;
    }

    @Override
    public Optional<PairScorer<ImageContext>> pairScorer() {
        return Optional.of(new PairScorer<>() {
            @Override
            public List<float[]> logits(List<Pair<ImageContext>> pairs) {
                return itmLogits(pairs.stream().map(p -> new ItmPair(p.image(), p.perturbation(), p.ids(), p.mask()))
                        .toList());
            }

            @Override
            public ImageContext restore(Tensor imageEmbeds) {
                return contextOf(imageEmbeds);
            }
        });
    }

    @Override
    public Backend backend() {
        return backend;
    }

    public QFormerModel qformer() {
        return qformer;
    }

    /**
     * Runs the ViT on a batch of images' pixels [3, S, S] at once and projects the cross-attention keys and values of
     * every cross layer; one context per image, in order, each equal to what the image gives alone.
     */
    public List<ImageContext> encodeImages(List<float[]> pixels, ActivationSink sink) {
        try (TensorScope scope = TensorScope.open()) {
            List<ImageContext> out = encodeImagesInScope(pixels, sink);
            out.forEach(c -> c.keepIn(scope));
            return out;
        }
    }

    private List<ImageContext> encodeImagesInScope(List<float[]> pixels, ActivationSink sink) {
        Tensor z = vision.forward(backend, pixels, sink); // [B·T, Dv]
        ImageContext stacked = contextOf(z);
        int n = pixels.size(), t = cfg.vision().numTokens();
        if (n == 1) {
            return List.of(stacked);
        }
        int layers = cfg.qformer().numHiddenLayers();
        List<ImageContext> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Tensor[] keys = new Tensor[layers];
            Tensor[] values = new Tensor[layers];
            for (int l : cfg.qformer().crossAttentionLayers()) {
                keys[l] = backend.sliceRows(stacked.keys(l), i * t, (i + 1) * t);
                values[l] = backend.sliceRows(stacked.values(l), i * t, (i + 1) * t);
            }
            out.add(new ImageContext(backend.sliceRows(z, i * t, (i + 1) * t), keys, values));
        }
        return out;
    }

    @Override
    public List<ImageContext> encodeImages(List<float[]> pixels) {
        return encodeImages(pixels, ActivationSink.NONE);
    }

    /** Runs the ViT on pixels [3, S, S] and projects cross-attention keys and values for every cross layer. */
    public ImageContext encodeImage(float[] pixels, ActivationSink sink) {
        return encodeImages(List.of(pixels), sink).get(0);
    }

    public ImageContext encodeImage(float[] pixels) {
        return encodeImage(pixels, ActivationSink.NONE);
    }

    /**
     * The cross-attention keys and values of every cross layer for a ViT output Z [T, Dv] computed earlier (e.g. read
     * back from an embedding store), so ITM can run without the ViT.
     */
    public ImageContext contextOf(Tensor z) {
        int n = cfg.qformer().numHiddenLayers();
        Tensor[] keys = new Tensor[n];
        Tensor[] values = new Tensor[n];
        for (int l : cfg.qformer().crossAttentionLayers()) {
            QFormerAttention cross = qformer.layer(l).crossattention();
            keys[l] = cross.key().apply(backend, z);
            values[l] = cross.value().apply(backend, z);
        }
        return new ImageContext(z, keys, values);
    }

    /**
     * ITC image pass of a batch: the query tokens through the Q-Former against each image, with its perturbation
     * (same length as images) → last_hidden_state [B·Nq, H], image i at rows i·Nq...
     */
    public Tensor queryOutput(List<ImageContext> images, List<? extends QueryPerturbation> perturbations,
                              ActivationSink sink) {
        int n = images.size(), nq = cfg.numQueryTokens();
        if (n == 0) {
            throw new IllegalArgumentException("no images");
        }
        Tensor queries = n == 1 ? queryTokens : backend.concatRows(java.util.Collections.nCopies(n, queryTokens));
        QFormerBatch batch = new QFormerBatch(backend, Segments.uniform(n, nq), nq, null, images, perturbations);
        return qformer.forward(backend, queries, batch, sink);
    }

    /** ITC image pass: the query tokens through the Q-Former against the image → last_hidden_state [Nq, H]. */
    public Tensor queryOutput(ImageContext image, QueryPerturbation perturbation, ActivationSink sink) {
        return queryOutput(List.of(image), List.of(perturbation), sink);
    }

    /** Normalized projected query embeddings [Nq, E] per image of a batch (row-major), each with its perturbation. */
    public List<float[]> imageFeatures(List<ImageContext> images, List<? extends QueryPerturbation> perturbations,
                                       ActivationSink sink) {
        try (TensorScope scope = TensorScope.open()) {
            return imageFeaturesInScope(images, perturbations, sink);
        }
    }

    private List<float[]> imageFeaturesInScope(List<ImageContext> images,
            List<? extends QueryPerturbation> perturbations, ActivationSink sink) {
        Tensor projected = visionProjection.apply(backend, queryOutput(images, perturbations, sink)); // [B·Nq, E]
        sink.accept("vision_projection", projected);
        return split(backend.download(backend.l2Normalize(projected)), images.size());
    }

    @Override
    public List<float[]> imageFeatures(List<ImageContext> images, List<? extends QueryPerturbation> perturbations) {
        return imageFeatures(images, perturbations, ActivationSink.NONE);
    }

    /** Normalized projected query embeddings [Nq, E], row-major. */
    public float[] imageFeatures(ImageContext image, QueryPerturbation perturbation, ActivationSink sink) {
        return imageFeatures(List.of(image), List.of(perturbation), sink).get(0);
    }

    public float[] imageFeatures(ImageContext image, QueryPerturbation perturbation) {
        return imageFeatures(image, perturbation, ActivationSink.NONE);
    }

    /**
     * ITC text pass of a batch of captions, each of its own length: ids [L_i] and mask [L_i] (masks null, or an entry
     * null = all ones) → the normalized text feature [E] of each caption's [CLS] token.
     */
    public List<float[]> textFeatures(List<int[]> ids, List<int[]> masks, ActivationSink sink) {
        try (TensorScope scope = TensorScope.open()) {
            return textFeaturesInScope(ids, masks, sink);
        }
    }

    private List<float[]> textFeaturesInScope(List<int[]> ids, List<int[]> masks, ActivationSink sink) {
        int n = ids.size();
        if (n == 0) {
            throw new IllegalArgumentException("no captions");
        }
        Segments items = Segments.ofLengths(ids.stream().mapToInt(c -> c.length).toArray());
        Tensor emb = embeddings.forward(backend, ids);
        sink.accept("embeddings", emb);
        QFormerBatch batch = new QFormerBatch(backend, items, 0, stackMasks(0, ids, masks), null, null);
        Tensor out = qformer.forward(backend, emb, batch, sink);
        int[] cls = new int[n];
        for (int i = 0; i < n; i++) {
            cls[i] = items.start(i);
        }
        Tensor projected = textProjection.apply(backend, backend.gatherRows(out, cls)); // [B, E]
        sink.accept("text_projection", projected);
        return split(backend.download(backend.l2Normalize(projected)), n);
    }

    @Override
    public List<float[]> textFeatures(List<int[]> ids, List<int[]> masks) {
        return textFeatures(ids, masks, ActivationSink.NONE);
    }

    /** ITC text pass: ids and mask [L] (mask null = all ones) → normalized text feature [E] of the [CLS] token. */
    public float[] textFeatures(int[] ids, int[] mask, ActivationSink sink) {
        return textFeatures(List.of(ids), java.util.Collections.singletonList(mask), sink).get(0);
    }

    public float[] textFeatures(int[] ids, int[] mask) {
        return textFeatures(ids, mask, ActivationSink.NONE);
    }

    /**
     * One (image, caption) pair for ITM: the image's context and perturbation ({@link QueryPerturbation#NONE} for
     * none), the caption's ids [L] and mask [L] (null = all ones). Pairs of one image share its context object.
     */
    public record ItmPair(ImageContext image, QueryPerturbation perturbation, int[] ids, int[] mask) {
        public ItmPair {
            java.util.Objects.requireNonNull(image, "image");
            java.util.Objects.requireNonNull(perturbation, "perturbation");
            java.util.Objects.requireNonNull(ids, "ids");
        }
    }

    /**
     * ITM logits [2] (mean over query rows of itm_head; index 1 = match) of many pairs in one Q-Former pass: pair i
     * is [query_tokens; caption_i] against its own image and P̄.
     */
    public List<float[]> itmLogits(List<ItmPair> pairs, ActivationSink sink) {
        try (TensorScope scope = TensorScope.open()) {
            return itmLogitsInScope(pairs, sink);
        }
    }

    private List<float[]> itmLogitsInScope(List<ItmPair> pairs, ActivationSink sink) {
        int n = pairs.size(), nq = cfg.numQueryTokens();
        if (n == 0) {
            throw new IllegalArgumentException("no ITM pairs");
        }
        List<int[]> ids = new ArrayList<>(n);
        List<int[]> masks = new ArrayList<>(n);
        List<ImageContext> images = new ArrayList<>(n);
        List<QueryPerturbation> perturbations = new ArrayList<>(n);
        int[] lengths = new int[n];
        for (ItmPair p : pairs) {
            ids.add(p.ids());
            masks.add(p.mask());
            images.add(p.image());
            perturbations.add(p.perturbation());
        }
        Tensor text = embeddings.forward(backend, ids); // [ΣL, H]
        int[] order = new int[Math.addExact(n * nq, text.rows())];
        int at = 0, textAt = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < nq; j++) {
                order[at++] = j;
            }
            for (int j = 0; j < ids.get(i).length; j++) {
                order[at++] = nq + textAt++;
            }
            lengths[i] = nq + ids.get(i).length;
        }
        Tensor emb = backend.gatherRows(backend.concatRows(queryTokens, text), order); // [Σ(Nq + L), H]
        sink.accept("embeddings", emb);
        QFormerBatch batch = new QFormerBatch(backend, Segments.ofLengths(lengths), nq, stackMasks(nq, ids, masks),
                images, perturbations);
        Tensor out = qformer.forward(backend, emb, batch, sink);
        Tensor perQuery = itmHead.apply(backend, batch.queryRowsOf(backend, out)); // [B·Nq, 2]
        sink.accept("itm_head", perQuery);
        return split(backend.download(backend.meanRows(perQuery, Segments.uniform(n, nq))), n);
    }

    public List<float[]> itmLogits(List<ItmPair> pairs) {
        return itmLogits(pairs, ActivationSink.NONE);
    }

    /** ITM logits [2] (mean over query rows of itm_head) of one image and one text; index 1 = match. */
    public float[] itmLogits(ImageContext image, QueryPerturbation perturbation, int[] ids, int[] mask,
            ActivationSink sink) {
        return itmLogits(List.of(new ItmPair(image, perturbation, ids, mask)), sink).get(0);
    }

    public float[] itmLogits(ImageContext image, QueryPerturbation perturbation, int[] ids, int[] mask) {
        return itmLogits(image, perturbation, ids, mask, ActivationSink.NONE);
    }

    /**
     * The 0/1 mask of a stacked batch: per item {@code queries} ones, then its caption's mask (or ones); null when no
     * caption has a mask.
     */
    private static int[] stackMasks(int queries, List<int[]> ids, List<int[]> masks) {
        if (masks == null || masks.stream().allMatch(java.util.Objects::isNull)) {
            return null;
        }
        if (masks.size() != ids.size()) {
            throw new IllegalArgumentException(masks.size() + " attention masks for " + ids.size() + " captions");
        }
        int total = 0;
        for (int[] c : ids) {
            total = Math.addExact(total, queries + c.length);
        }
        int[] full = new int[total];
        int at = 0;
        for (int i = 0; i < ids.size(); i++) {
            int[] mask = masks.get(i);
            int length = ids.get(i).length;
            if (mask != null && mask.length != length) {
                throw new IllegalArgumentException((ids.size() == 1 ? "" : "caption " + i + ": ") + "attention mask has "
                        + mask.length + " entries for " + length + " token ids");
            }
            Arrays.fill(full, at, at + queries, 1);
            at += queries;
            if (mask == null) {
                Arrays.fill(full, at, at + length, 1);
            } else {
                System.arraycopy(mask, 0, full, at, length);
            }
            at += length;
        }
        return full;
    }

    /** Rows of a downloaded [B·r, c] batch, one array per item. */
    private static List<float[]> split(float[] all, int items) {
        int each = all.length / items;
        List<float[]> out = new ArrayList<>(items);
        for (int i = 0; i < items; i++) {
            out.add(Arrays.copyOfRange(all, i * each, (i + 1) * each));
        }
        return out;
    }

    /** ITC score: max over the Nq query features [Nq, E] of their dot product with the text feature [E]. */
    public static float itc(float[] imageFeatures, float[] textFeature) {
        return ItcScores.itc(imageFeatures, textFeature);
    }
}
