package org.qpert.core.model.owlv2;

import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Tensor;
import org.qpert.core.model.ActivationSink;
import org.qpert.core.model.LayerNorm;
import org.qpert.core.model.ModelWeights;
import org.qpert.core.model.WeightSource;

/**
 * {@code Owlv2ForObjectDetection} on a {@link Backend}: the CLIP vision tower, the class-token merge, the box,
 * objectness and class heads, and the CLIP text tower that embeds text queries. Immutable after loading and safe to
 * share between threads; one image and one query at a time.
 *
 * <p>Typical use (the image preprocessed by {@code Owlv2ImageProcessor} to normalized pixels [3, S, S], S =
 * {@code config().vision().imageSize()}; token ids from the CLIP tokenizer, at most
 * {@code text().maxPositionEmbeddings()} long, padded with 0 and an attention mask of 1 on real tokens):
 * <pre>{@code
 * Owlv2Detector det = Owlv2Detector.load(cfg, weights, backend);
 * float[][] queries = {det.embedQuery(ids0, mask0), det.embedQuery(ids1, mask1)}; // once, reused for every image
 * Owlv2Output out = det.predict(pixels, queries);        // or det.predict(pixels) for objectness only
 * List<Detection> found = DetectionDecoder.classes(out, height, width, 0.1, 0.3);     // boxes for the queries
 * List<Detection> objects = DetectionDecoder.forPerturbation(                       // class-agnostic, for Q-Perturbation
 *         DetectionDecoder.objectness(out, height, width, 0.1, 0.3), height, width, 8, 10);
 * }</pre>
 * Activations go to an {@link ActivationSink} under HF module names ({@code owlv2.vision_model.encoder.layers.0},
 * {@code layer_norm} for the merged image features, {@code box_head}, {@code objectness_head}, ...).
 */
public final class Owlv2Detector {
    /** logit(v) = ln(v + 1e-4) − ln(1 − v + 1e-4), as HF's {@code compute_box_bias}. */
    private static final float BOX_BIAS_EPS = 1e-4f;

    private final Owlv2Config cfg;
    private final Backend backend;
    private final Owlv2VisionModel vision;
    private final LayerNorm layerNorm;
    private final Owlv2BoxPredictionHead boxHead;
    private final Owlv2BoxPredictionHead objectnessHead;
    private final Owlv2ClassPredictionHead classHead;
    private final Owlv2TextModel text;
    private final Tensor textProjection; // [P, T], no bias
    private final float[] boxBias; // [g²·4]

    private Owlv2Detector(Owlv2Config cfg, ModelWeights w) {
        this.cfg = cfg;
        this.backend = w.backend();
        int d = cfg.vision().hiddenSize(), p = cfg.projectionDim();
        this.vision = new Owlv2VisionModel(w, cfg.vision());
        this.layerNorm = LayerNorm.load(w, "layer_norm", d, cfg.vision().layerNormEps());
        this.boxHead = new Owlv2BoxPredictionHead(w, "box_head", d, 4);
        this.objectnessHead = new Owlv2BoxPredictionHead(w, "objectness_head", d, 1);
        this.classHead = new Owlv2ClassPredictionHead(w, d, cfg.text().hiddenSize());
        this.text = new Owlv2TextModel(w, cfg.text());
        this.textProjection = w.matrix("owlv2.text_projection.weight", p, cfg.text().hiddenSize());
        this.boxBias = boxBias(cfg.grid());
    }

    /**
     * Loads every tensor the detector needs from {@code weights} (HF names, F32/F16/BF16 upcast by the source) onto
     * {@code backend}; a missing tensor or a wrong shape throws an IllegalArgumentException naming the source and
     * the tensor.
     */
    public static Owlv2Detector load(Owlv2Config cfg, WeightSource weights, Backend backend) {
        try {
            return new Owlv2Detector(cfg, new ModelWeights(weights, backend));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(weights.describe() + ": " + e.getMessage(), e);
        }
    }

    public Owlv2Config config() {
        return cfg;
    }

    public Backend backend() {
        return backend;
    }

    /**
     * The embedding of one text query [P], L2-normalized (HF's {@code text_embeds}). ids and attentionMask [L], L ≤
     * {@code max_position_embeddings}; the pooled token is the one with the largest id (CLIP's EOS). In HF a query
     * whose first id is 0 (padding) is absent: pass null for it to {@link #predict}.
     */
    public float[] embedQuery(int[] ids, int[] attentionMask, ActivationSink sink) {
        Tensor pooled = text.forward(backend, ids, attentionMask, sink); // [1, T]
        Tensor projected = backend.linear(pooled, textProjection, null); // [1, P]
        Tensor embeds = backend.l2Normalize(projected);
        sink.accept("text_embeds", embeds);
        return backend.download(embeds);
    }

    public float[] embedQuery(int[] ids, int[] attentionMask) {
        return embedQuery(ids, attentionMask, ActivationSink.NONE);
    }

    /** Objectness and boxes only (no class logits). */
    public Owlv2Output predict(float[] pixels) {
        return predict(pixels, null, ActivationSink.NONE);
    }

    public Owlv2Output predict(float[] pixels, float[][] queries) {
        return predict(pixels, queries, ActivationSink.NONE);
    }

    /**
     * Runs the detector on normalized pixels [3, S, S]. {@code queries} are {@link #embedQuery} results (a null entry
     * is an absent query, scored float32's minimum), or null for objectness and boxes only.
     */
    public Owlv2Output predict(float[] pixels, float[][] queries, ActivationSink sink) {
        Backend b = backend;
        Tensor feats = imageFeatures(vision.forward(b, pixels, sink)); // [g², D]
        sink.accept("layer_norm", feats);
        int n = feats.rows();
        Tensor rawBoxes = boxHead.forward(b, feats); // [g², 4]
        sink.accept("box_head", rawBoxes);
        float[] boxes = b.download(rawBoxes);
        for (int i = 0; i < boxes.length; i++) {
            boxes[i] = sigmoid(boxes[i] + boxBias[i]);
        }
        if (sink.active()) {
            sink.accept("box_bias", b.upload(boxBias, n, 4));
            sink.accept("pred_boxes", b.upload(boxes, n, 4));
        }
        Tensor objectness = objectnessHead.forward(b, feats); // [g², 1]
        sink.accept("objectness_head", objectness);
        float[] logits = null;
        if (queries != null) {
            float[] e = classHead.classEmbeddings(b, feats); // [g², P]
            logits = classHead.logits(b, feats, e, queries);
            if (sink.active()) {
                sink.accept("class_embeds", b.upload(e, n, cfg.projectionDim()));
                sink.accept("class_head", b.upload(logits, n, queries.length));
            }
        }
        return new Owlv2Output(cfg.grid(), b.download(objectness), boxes, logits, queries == null ? 0 : queries.length);
    }

    /** feats_j = layer_norm(post_{1+j} ⊙ post_0): each patch token times the class token, then the detector's LN. */
    private Tensor imageFeatures(Tensor post) {
        int t = post.rows(), d = post.cols();
        float[] x = backend.download(post); // [T, D]
        float[] merged = new float[(t - 1) * d];
        for (int j = 1; j < t; j++) {
            for (int c = 0; c < d; c++) {
                merged[(j - 1) * d + c] = x[j * d + c] * x[c];
            }
        }
        return layerNorm.apply(backend, backend.upload(merged, t - 1, d));
    }

    /**
     * HF's {@code compute_box_bias} in float32: centre logit((x+1)/g), logit((y+1)/g) for patch j = y·g + x, size
     * logit(1/g) for w and h.
     */
    static float[] boxBias(int g) {
        float[] bias = new float[g * g * 4];
        float size = logit(1f / g);
        for (int y = 0; y < g; y++) {
            for (int x = 0; x < g; x++) {
                int j = y * g + x;
                bias[4 * j] = logit((float) (x + 1) / g);
                bias[4 * j + 1] = logit((float) (y + 1) / g);
                bias[4 * j + 2] = size;
                bias[4 * j + 3] = size;
            }
        }
        return bias;
    }

    private static float logit(float v) {
        return (float) Math.log(v + BOX_BIAS_EPS) - (float) Math.log1p(-v + BOX_BIAS_EPS);
    }

    private static float sigmoid(float v) {
        return (float) (1.0 / (1.0 + Math.exp(-(double) v)));
    }
}
