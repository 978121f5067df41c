package org.qpert.core.model;

import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Tensor;
import org.qpert.core.backend.TensorScope;

/**
 * {@code Blip2ForImageTextRetrieval}: the ViT, the Q-Former, the text embeddings and the three heads. One image or one
 * text at a time; safe to share between threads (it holds only immutable weights).
 *
 * <p>ITC: image features = normalize(vision_projection(Q-Former(query_tokens | image))) [Nq, E]; text feature =
 * normalize(text_projection(Q-Former(text)[CLS])) [E]; score = max over queries of their dot product (no temperature).
 * ITM: the mean over query rows of itm_head(Q-Former(query_tokens + text | image)) [2]; index 1 = match.
 *
 * <p>Each public pass runs in a {@link TensorScope}: its intermediate tensors are closed when it returns, and only an
 * {@link ImageContext} outlives {@link #encodeImage}.
 */
public final class Blip2Retrieval {
    private final Blip2Config cfg;
    private final Backend backend;
    private final VisionModel vision;
    private final QFormerModel qformer;
    private final TextEmbeddings embeddings;
    private final Tensor queryTokens; // [Nq, H]
    private final Linear visionProjection; // [E, H]
    private final Linear textProjection; // [E, H]
    private final Linear itmHead; // [2, H]

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

    public Backend backend() {
        return backend;
    }

    public QFormerModel qformer() {
        return qformer;
    }

    /** Runs the ViT on pixels [3, S, S] and projects cross-attention keys and values for every cross layer. */
    public ImageContext encodeImage(float[] pixels, ActivationSink sink) {
        try (TensorScope scope = TensorScope.open()) {
            return contextOf(vision.forward(backend, pixels, sink)).keepIn(scope);
        }
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

    public ImageContext encodeImage(float[] pixels) {
        return encodeImage(pixels, ActivationSink.NONE);
    }

    /** ITC image pass: the query tokens through the Q-Former against the image → last_hidden_state [Nq, H]. */
    public Tensor queryOutput(ImageContext image, QueryPerturbation perturbation, ActivationSink sink) {
        return qformer.forward(backend, queryTokens, cfg.numQueryTokens(), null, image, perturbation, sink);
    }

    /** Normalized projected query embeddings [Nq, E], row-major. */
    public float[] imageFeatures(ImageContext image, QueryPerturbation perturbation, ActivationSink sink) {
        try (TensorScope scope = TensorScope.open()) {
            Tensor projected = visionProjection.apply(backend, queryOutput(image, perturbation, sink));
            sink.accept("vision_projection", projected);
            return backend.download(backend.l2Normalize(projected));
        }
    }

    public float[] imageFeatures(ImageContext image, QueryPerturbation perturbation) {
        return imageFeatures(image, perturbation, ActivationSink.NONE);
    }

    /** ITC text pass: ids and mask [L] (mask null = all ones) → normalized text feature [E] of the [CLS] token. */
    public float[] textFeatures(int[] ids, int[] mask, ActivationSink sink) {
        try (TensorScope scope = TensorScope.open()) {
            Tensor emb = embeddings.forward(backend, ids);
            sink.accept("embeddings", emb);
            Tensor out = qformer.forward(backend, emb, 0, mask, null, QueryPerturbation.NONE, sink);
            Tensor projected = textProjection.apply(backend, backend.sliceRows(out, 0, 1));
            sink.accept("text_projection", projected);
            return backend.download(backend.l2Normalize(projected));
        }
    }

    public float[] textFeatures(int[] ids, int[] mask) {
        return textFeatures(ids, mask, ActivationSink.NONE);
    }

    /** ITM logits [2] (mean over query rows of itm_head) of one image and one text; index 1 = match. */
    public float[] itmLogits(ImageContext image, QueryPerturbation perturbation, int[] ids, int[] mask,
            ActivationSink sink) {
        try (TensorScope scope = TensorScope.open()) {
            return itmLogitsInScope(image, perturbation, ids, mask, sink);
        }
    }

    private float[] itmLogitsInScope(ImageContext image, QueryPerturbation perturbation, int[] ids, int[] mask,
            ActivationSink sink) {
        int nq = cfg.numQueryTokens();
        Tensor emb = backend.concatRows(queryTokens, embeddings.forward(backend, ids)); // [Nq + L, H]
        sink.accept("embeddings", emb);
        int[] fullMask = new int[nq + ids.length];
        java.util.Arrays.fill(fullMask, 0, nq, 1);
        if (mask == null) {
            java.util.Arrays.fill(fullMask, nq, fullMask.length, 1);
        } else if (mask.length != ids.length) {
            throw new IllegalArgumentException("attention mask has " + mask.length + " entries for " + ids.length
                    + " token ids");
        } else {
            System.arraycopy(mask, 0, fullMask, nq, mask.length);
        }
        Tensor out = qformer.forward(backend, emb, nq, fullMask, image, perturbation, sink);
        Tensor perQuery = itmHead.apply(backend, backend.sliceRows(out, 0, nq)); // [Nq, 2]
        sink.accept("itm_head", perQuery);
        return backend.download(backend.meanRows(perQuery));
    }

    public float[] itmLogits(ImageContext image, QueryPerturbation perturbation, int[] ids, int[] mask) {
        return itmLogits(image, perturbation, ids, mask, ActivationSink.NONE);
    }

    /** ITC score: max over the Nq query features [Nq, E] of their dot product with the text feature [E]. */
    public static float itc(float[] imageFeatures, float[] textFeature) {
        int e = textFeature.length;
        if (e == 0 || imageFeatures.length % e != 0) {
            throw new IllegalArgumentException("image features of length " + imageFeatures.length
                    + " are not a multiple of the text feature length " + e);
        }
        float best = Float.NEGATIVE_INFINITY;
        for (int q = 0; q < imageFeatures.length / e; q++) {
            float s = 0f;
            for (int k = 0; k < e; k++) {
                s += imageFeatures[q * e + k] * textFeature[k];
            }
            best = Math.max(best, s);
        }
        return best;
    }
}
