package org.qpert.core.model.coca;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Tensor;
import org.qpert.core.backend.TensorScope;
import org.qpert.core.model.ActivationSink;
import org.qpert.core.model.ImageTextModel;
import org.qpert.core.model.LayerNorm;
import org.qpert.core.model.Linear;
import org.qpert.core.model.ModelCard;
import org.qpert.core.model.ModelWeights;
import org.qpert.core.model.PerturbationSite;
import org.qpert.core.model.QueryPerturbation;
import org.qpert.core.model.TokenGrid;
import org.qpert.core.model.Transposed;
import org.qpert.core.model.WeightSource;

/**
 * open_clip's {@code CoCa}, the retrieval towers (spec/COCA.md §5): the ViT, the attentional pooler (Q-Perturbation's
 * one site), {@code ln_post} on the pooled rows, {@code visual.proj} on row 0 → the image embedding; the text tower →
 * the text embedding; score = their cosine. No pair scorer (CoCa has no ITM head). The caption decoder is not loaded:
 * retrieval does not use it. Every pass takes a batch; an item's result equals what it gives alone. Safe to share
 * between threads (it holds only immutable weights).
 */
public final class CocaRetrieval implements ImageTextModel<CocaImage> {
    /** The family name stores record and users see. */
    public static final String FAMILY = "coca";
    private final CocaConfig cfg;
    private final Backend backend;
    private final CocaVisionTower vision;
    private final AttentionalPooler pooler;
    private final LayerNorm lnPost;
    private final Linear proj; // [E, E] (the stored [in, out] transposed)
    private final CocaTextTower text;
    private final float logitScale;
    private final ModelCard card;

    private CocaRetrieval(CocaConfig cfg, ModelWeights w) {
        this.cfg = cfg;
        this.backend = w.backend();
        int e = cfg.embedDim();
        this.vision = new CocaVisionTower(w, cfg.vision());
        this.pooler = new AttentionalPooler(w, cfg);
        this.lnPost = LayerNorm.load(w, "visual.ln_post", e, CocaConfig.EPS);
        this.proj = new Linear(Transposed.weight(w, "visual.proj", e, e), null);
        this.text = new CocaTextTower(w, cfg);
        this.logitScale = (float) Math.exp(w.floats("logit_scale")[0]);
        CocaConfig.Vision v = cfg.vision();
        this.card = new ModelCard(FAMILY, "CoCa", 1, e, ModelCard.Similarity.SINGLE_VECTOR, false,
                new TokenGrid(1, v.patchSize(), v.imageSize(), TokenGrid.Resize.SHORTEST_SIDE_CENTRE_CROP),
                new int[] {v.tokens(), v.width()},
                List.of(new PerturbationSite(CocaImage.POOLER_SITE, AttentionalPooler.NAME, pooler.heads(),
                        pooler.headDim())));
    }

    /** Loads every tensor the retrieval towers need from {@code weights} onto {@code backend}, shapes checked by name. */
    public static CocaRetrieval load(CocaConfig cfg, WeightSource weights, Backend backend) {
        try {
            return new CocaRetrieval(cfg, new ModelWeights(weights, backend));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(weights.describe() + ": " + e.getMessage(), e);
        }
    }

    public CocaConfig config() {
        return cfg;
    }

    @Override
    public ModelCard card() {
        return card;
    }

    @Override
    public Backend backend() {
        return backend;
    }

    /** exp(logit_scale): open_clip's logits are this times the cosine (the same ranking). */
    public float logitScale() {
        return logitScale;
    }

    /** The ViT and the pooler's keys and values of a batch of pixels [3, S, S]; one image each, in order. */
    public List<CocaImage> encodeImages(List<float[]> pixels, ActivationSink sink) {
        try (TensorScope scope = TensorScope.open()) {
            Tensor x = vision.forward(backend, pixels, sink); // [B·T, Dv]
            Tensor[] kv = pooler.keysAndValues(backend, x, sink); // [B·T, E] each
            int n = pixels.size(), t = cfg.vision().tokens();
            List<CocaImage> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                CocaImage image = n == 1 ? new CocaImage(x, kv[0], kv[1])
                        : new CocaImage(backend.sliceRows(x, i * t, (i + 1) * t),
                                backend.sliceRows(kv[0], i * t, (i + 1) * t),
                                backend.sliceRows(kv[1], i * t, (i + 1) * t));
                out.add(image.keepIn(scope));
            }
            return out;
        }
    }

    @Override
    public List<CocaImage> encodeImages(List<float[]> pixels) {
        return encodeImages(pixels, ActivationSink.NONE);
    }

    /** Normalized image embeddings [E] of encoded images, image i's pooler queries perturbed by its P̄ (if any). */
    public List<float[]> imageFeatures(List<CocaImage> images, List<? extends QueryPerturbation> perturbations,
                                       ActivationSink sink) {
        if (images.size() != perturbations.size()) {
            throw new IllegalArgumentException(perturbations.size() + " perturbations for " + images.size()
                    + " images");
        }
        int n = images.size(), nq = cfg.vision().poolerQueries();
        try (TensorScope scope = TensorScope.open()) {
            Tensor k = backend.concatRows(images.stream().map(i -> i.keys(CocaImage.POOLER_SITE)).toList());
            Tensor v = backend.concatRows(images.stream().map(CocaImage::values).toList());
            Tensor[] pbar = new Tensor[n];
            boolean any = false;
            for (int i = 0; i < n; i++) {
                pbar[i] = perturbations.get(i).pbar(CocaImage.POOLER_SITE);
                any |= pbar[i] != null;
            }
            Tensor o = pooler.forward(backend, k, v, n, cfg.vision().tokens(), any ? pbar : null, sink); // [B·NQ, E]
            Tensor y = lnPost.apply(backend, o);
            sink.accept("vision/ln_post", y);
            int[] first = new int[n];
            for (int i = 0; i < n; i++) {
                first[i] = i * nq;
            }
            Tensor latent = proj.apply(backend, backend.gatherRows(y, first)); // [B, E]
            sink.accept("vision/image_latent", latent);
            if (sink.active()) {
                sink.accept("vision/image_embs", captionTokens(y, n, nq));
            }
            return split(backend.download(backend.l2Normalize(latent)), n);
        }
    }

    /** Rows 1..NQ−1 of each image: the caption decoder's input. */
    private Tensor captionTokens(Tensor y, int n, int nq) {
        int[] rows = new int[n * (nq - 1)];
        for (int i = 0, r = 0; i < n; i++) {
            for (int q = 1; q < nq; q++) {
                rows[r++] = i * nq + q;
            }
        }
        return backend.gatherRows(y, rows);
    }

    @Override
    public List<float[]> imageFeatures(List<CocaImage> images, List<? extends QueryPerturbation> perturbations) {
        return imageFeatures(images, perturbations, ActivationSink.NONE);
    }

    /**
     * Normalized text embeddings [E] of token rows (at most C ids each; the padding mask is by id, so masks are not
     * read and may be null).
     */
    public List<float[]> textFeatures(List<int[]> ids, ActivationSink sink) {
        if (ids.isEmpty()) {
            return List.of();
        }
        try (TensorScope scope = TensorScope.open()) {
            List<Tensor> latents = new ArrayList<>(ids.size());
            for (int[] row : ids) {
                latents.add(text.forward(backend, row, sink)); // causal: one text per pass
            }
            return split(backend.download(backend.l2Normalize(backend.concatRows(latents))), ids.size());
        }
    }

    @Override
    public List<float[]> textFeatures(List<int[]> ids, List<int[]> masks) {
        return textFeatures(ids, ActivationSink.NONE);
    }

    @Override
    public Optional<PairScorer<CocaImage>> pairScorer() {
        return Optional.empty();
    }

    private static List<float[]> split(float[] all, int items) {
        int each = all.length / items;
        List<float[]> out = new ArrayList<>(items);
        for (int i = 0; i < items; i++) {
            out.add(Arrays.copyOfRange(all, i * each, (i + 1) * each));
        }
        return out;
    }
}
