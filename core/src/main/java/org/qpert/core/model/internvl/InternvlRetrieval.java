package org.qpert.core.model.internvl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
import org.qpert.core.model.Transposed;
import org.qpert.core.model.WeightSource;

/**
 * InternVL-C or InternVL-G retrieval (spec/INTERNVL.md §3.4) from an {@code InternVLModel} checkpoint. Image:
 * InternVL-C = {@code clip_projector}(Z); InternVL-G = normalize(that) + normalize({@code clip_projector2}(QLLaMA's
 * query outputs)). Text (both): QLLaMA's final state at the EOS, times {@code text_projection}. Score = their cosine
 * (exp(logit_scale) times it in the reference; the ranking is the same). No pair scorer. Only what the variant uses is
 * loaded: InternVL-C leaves out the query tokens, the cross-attention layers and {@code clip_projector2}.
 *
 * <p>Q-Perturbation sites: QLLaMA's cross-attention layers l (G only; site index l) and the pooling block's single
 * query (site index = QLLaMA's layer count, after every layer index). Safe to share between threads.
 */
public final class InternvlRetrieval implements ImageTextModel<InternvlImage> {
    /** The family name stores record and users see. */
    public static final String FAMILY = "internvl";
    private final InternvlConfig cfg;
    private final InternvlVariant variant;
    private final Backend backend;
    private final InternVisionModel vision;
    private final AttentionPooling clipProjector;
    private final QllamaModel qllama;
    private final AttentionPooling clipProjector2; // null for InternVL-C
    private final Linear textProjection; // [E, Dq] (the stored [Dq, E] transposed)
    private final float logitScale;
    private final int poolSite;
    private final ModelCard card;

    private InternvlRetrieval(InternvlConfig cfg, InternvlVariant variant, ModelWeights w) {
        this.cfg = cfg;
        this.variant = variant;
        this.backend = w.backend();
        boolean g = variant == InternvlVariant.G;
        int dv = cfg.vision().width(), dq = cfg.qllama().width();
        this.vision = new InternVisionModel(w, cfg.vision());
        this.clipProjector = new AttentionPooling(w, "clip_projector", dv, cfg, "c/query");
        this.qllama = new QllamaModel(w, cfg, g);
        this.clipProjector2 = g ? new AttentionPooling(w, "clip_projector2", dq, cfg, "g/query2") : null;
        this.textProjection = new Linear(Transposed.weight(w, "text_projection", dq, cfg.embedDim()), null);
        this.logitScale = (float) Math.exp(w.floats("logit_scale")[0]);
        this.poolSite = cfg.qllama().layers();
        List<PerturbationSite> sites = new ArrayList<>();
        if (g) {
            for (int l : cfg.qllama().crossLayers()) {
                QllamaCrossAttention c = qllama.cross(l);
                sites.add(new PerturbationSite(l, "qllama.model.layers." + l + ".cross_attn", c.heads(), c.headDim()));
            }
        }
        sites.add(new PerturbationSite(poolSite, clipProjector.name(), clipProjector.heads(), clipProjector.headDim()));
        InternvlConfig.Vision v = cfg.vision();
        this.card = new ModelCard(FAMILY, variant.title(), 1, cfg.embedDim(), ModelCard.Similarity.SINGLE_VECTOR,
                false, new TokenGrid(1, v.patchSize(), v.imageSize(), TokenGrid.Resize.SQUASH),
                new int[] {v.tokens(), dv}, sites);
    }

    /** Loads what {@code variant} needs from {@code weights} onto {@code backend}, shapes checked by name. */
    public static InternvlRetrieval load(InternvlConfig cfg, InternvlVariant variant, WeightSource weights,
                                         Backend backend) {
        try {
            return new InternvlRetrieval(cfg, variant, new ModelWeights(weights, backend));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(weights.describe() + ": " + e.getMessage(), e);
        }
    }

    public InternvlConfig config() {
        return cfg;
    }

    public InternvlVariant variant() {
        return variant;
    }

    @Override
    public ModelCard card() {
        return card;
    }

    @Override
    public Backend backend() {
        return backend;
    }

    /** exp(logit_scale): the reference's logits are this times the cosine. */
    public float logitScale() {
        return logitScale;
    }

    /** The site index of the pooling block's query. */
    public int poolSite() {
        return poolSite;
    }

    /** InternViT and every site's keys and values of a batch of pixels [3, S, S]; one image each, in order. */
    public List<InternvlImage> encodeImages(List<float[]> pixels, ActivationSink sink) {
        int n = pixels.size(), t = cfg.vision().tokens();
        try (TensorScope scope = TensorScope.open()) {
            Tensor z = vision.forward(backend, pixels, sink); // [B·T, Dv]
            Tensor[] pool = clipProjector.keysAndValues(backend, z); // [B·T, Dv] each
            Map<Integer, Tensor[]> cross = new LinkedHashMap<>();
            if (variant == InternvlVariant.G) {
                for (int l : cfg.qllama().crossLayers()) {
                    Tensor[] kv = qllama.cross(l).keysAndValues(backend, z); // [B·T, Dq] each
                    sink.accept("g/qllama.layer." + l + ".cross_attn.k", kv[0]);
                    cross.put(l, kv);
                }
            }
            List<InternvlImage> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                int from = i * t, to = from + t;
                Map<Integer, Tensor[]> mine = new LinkedHashMap<>();
                cross.forEach((l, kv) -> mine.put(l, rows(kv, n, from, to)));
                out.add(new InternvlImage(n == 1 ? z : backend.sliceRows(z, from, to), poolSite, rows(pool, n, from, to),
                        mine).keepIn(scope));
            }
            return out;
        }
    }

    private Tensor[] rows(Tensor[] kv, int n, int from, int to) {
        return n == 1 ? kv : new Tensor[] {backend.sliceRows(kv[0], from, to), backend.sliceRows(kv[1], from, to)};
    }

    @Override
    public List<InternvlImage> encodeImages(List<float[]> pixels) {
        return encodeImages(pixels, ActivationSink.NONE);
    }

    /**
     * Normalized image embeddings [E] of encoded images, image i under its P̄ (if any) at each site. The sink gets
     * {@code c/pooled}, for G {@code g/pooled_qllama} and the QLLaMA image pass, and {@code image_features} (the
     * embedding before the final normalization, as the reference's {@code encode_image} returns it).
     */
    public List<float[]> imageFeatures(List<InternvlImage> images, List<? extends QueryPerturbation> perturbations,
                                       ActivationSink sink) {
        if (images.size() != perturbations.size()) {
            throw new IllegalArgumentException(perturbations.size() + " perturbations for " + images.size()
                    + " images");
        }
        int n = images.size();
        Segments tokens = Segments.uniform(n, cfg.vision().tokens());
        try (TensorScope scope = TensorScope.open()) {
            Tensor z = backend.concatRows(images.stream().map(InternvlImage::imageEmbeds).toList()); // [B·T, Dv]
            Tensor[] kv = stacked(images, poolSite);
            Tensor pooled = clipProjector.forward(backend, z, kv[0], kv[1], tokens, pbar(perturbations, poolSite),
                    sink); // [B, E]
            sink.accept("c/pooled", pooled);
            Tensor embedding = pooled;
            if (variant == InternvlVariant.G) {
                int layers = cfg.qllama().layers();
                Tensor[][] cross = new Tensor[layers][];
                Tensor[][] pbar = new Tensor[layers][];
                for (int l : cfg.qllama().crossLayers()) {
                    cross[l] = stacked(images, l);
                    pbar[l] = pbar(perturbations, l);
                }
                Tensor y = qllama.images(backend, n, cross, tokens, pbar, sink); // [B·Nq, Dq]
                Tensor[] kv2 = clipProjector2.keysAndValues(backend, y);
                Tensor pooled2 = clipProjector2.forward(backend, y, kv2[0], kv2[1],
                        Segments.uniform(n, cfg.queries()), null, sink); // [B, E]
                sink.accept("g/pooled_qllama", pooled2);
                embedding = backend.add(backend.l2Normalize(pooled), backend.l2Normalize(pooled2));
            }
            sink.accept("image_features", embedding);
            return split(backend.download(backend.l2Normalize(embedding)), n);
        }
    }

    private Tensor[] stacked(List<InternvlImage> images, int site) {
        if (images.size() == 1) {
            return images.get(0).keysAndValues(site);
        }
        return new Tensor[] {backend.concatRows(images.stream().map(i -> i.keysAndValues(site)[0]).toList()),
            backend.concatRows(images.stream().map(i -> i.keysAndValues(site)[1]).toList())};
    }

    /** P̄ of each image at {@code site}, or null when no image is perturbed there. */
    private static Tensor[] pbar(List<? extends QueryPerturbation> perturbations, int site) {
        Tensor[] out = new Tensor[perturbations.size()];
        boolean any = false;
        for (int i = 0; i < out.length; i++) {
            out[i] = perturbations.get(i).pbar(site);
            any |= out[i] != null;
        }
        return any ? out : null;
    }

    @Override
    public List<float[]> imageFeatures(List<InternvlImage> images, List<? extends QueryPerturbation> perturbations) {
        return imageFeatures(images, perturbations, ActivationSink.NONE);
    }

    /**
     * Normalized text embeddings [E] of token rows (bos, pieces, eos, optionally right-padded with 0: the mask is by
     * id, so masks are not read and may be null). The sink gets the text pass and {@code text_features} (before the
     * normalization).
     */
    public List<float[]> textFeatures(List<int[]> ids, ActivationSink sink) {
        if (ids.isEmpty()) {
            return List.of();
        }
        try (TensorScope scope = TensorScope.open()) {
            List<Tensor> features = new ArrayList<>(ids.size());
            for (int[] row : ids) {
                Tensor t = textProjection.apply(backend, qllama.text(backend, row, sink)); // [1, E]; causal: one per pass
                sink.accept("text_features", t);
                features.add(t);
            }
            return split(backend.download(backend.l2Normalize(backend.concatRows(features))), ids.size());
        }
    }

    @Override
    public List<float[]> textFeatures(List<int[]> ids, List<int[]> masks) {
        return textFeatures(ids, ActivationSink.NONE);
    }

    @Override
    public Optional<PairScorer<InternvlImage>> pairScorer() {
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
