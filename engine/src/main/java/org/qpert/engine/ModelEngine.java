package org.qpert.engine;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.qpert.api.DetectorSettings;
import org.qpert.api.QPert;
import org.qpert.api.TextEmbedding;
import org.qpert.core.backend.Backend;
import org.qpert.core.model.EncodedImage;
import org.qpert.core.model.ModelCard;
import org.qpert.core.model.QueryPerturbation;
import org.qpert.core.qpert.Box;
import org.qpert.core.qpert.Perturbation;
import org.qpert.core.qpert.PerturbedImage;
import org.qpert.family.FamilyModel;
import org.qpert.loaders.ModelFingerprint;
import org.qpert.loaders.hub.ModelSource;
import org.qpert.loaders.image.RgbImage;

/**
 * {@link RetrievalEngine} over the {@link QPert} facade: a checkpoint folder of any model family on one device, its
 * captions and images prepared as the family does. What it can do (pair scoring, stored Z) follows the model's card.
 */
public final class ModelEngine implements RetrievalEngine {
    private final QPert qpert;
    private final FamilyModel model;
    private final Perturbation perturbation;
    private final Map<String, String> settings;
    private final DetectMode detectMode;

    private ModelEngine(QPert qpert, Map<String, String> settings, DetectMode detectMode) {
        this.qpert = qpert;
        this.detectMode = detectMode;
        this.model = qpert.model();
        this.perturbation = qpert.perturbation();
        this.settings = settings;
    }

    /** Loads the checkpoint in {@code modelDir} on the CPU; {@code perturbation} may be {@link Perturbation#none()}. */
    public static ModelEngine load(Path modelDir, Perturbation perturbation) throws IOException {
        return load(modelDir, perturbation, "cpu", "f32");
    }

    /**
     * Loads the checkpoint in {@code model} (a folder, or a Hub id fetched into the Hub cache) on {@code device} (cpu
     * or cuda) with matrix products in {@code precision}.
     */
    public static ModelEngine load(Path model, Perturbation perturbation, String device, String precision)
            throws IOException {
        return load(model, perturbation, device, precision, null);
    }

    /**
     * The same with an object detector ({@code detection} null for none) that gives images their boxes as its mode
     * says; its folder name, fingerprint, settings and mode become store settings.
     */
    public static ModelEngine load(Path model, Perturbation perturbation, String device, String precision,
                                   Detection detection) throws IOException {
        return load(model, null, perturbation, device, precision, detection);
    }

    /**
     * The same with the checkpoint's model {@code variant} (null: the folder's own; see
     * {@link QPert.Builder#variant}); the variant loaded is a store setting.
     */
    public static ModelEngine load(Path model, String variant, Perturbation perturbation, String device,
                                   String precision, Detection detection) throws IOException {
        Path modelDir = ModelSource.resolve(model);
        QPert.Builder builder = QPert.builder().model(modelDir).variant(variant).perturbation(perturbation)
                .device(device).precision(precision);
        if (detection != null) {
            builder.detector(detection.dir()).detectorSettings(detection.settings());
        }
        QPert qpert = builder.build();
        Map<String, String> settings = new LinkedHashMap<>();
        // Content, not the folder's name: a renamed or moved checkpoint keeps its stores.
        settings.put("model_fingerprint", ModelFingerprint.of(modelDir));
        qpert.model().variant().ifPresent(v -> settings.put(StoredImage.VARIANT, v));
        settings.put("image_size", Integer.toString(qpert.card().grid().imageSize()));
        settings.put(StoredImage.PERTURBATION, describe(perturbation));
        qpert.detector().ifPresent(d -> {
            settings.putAll(d.storeSettings());
            settings.put("detect", detection.mode().name().toLowerCase(java.util.Locale.ROOT));
        });
        return new ModelEngine(qpert, settings, detection == null ? null : detection.mode());
    }

    /**
     * Boxes from an OWLv2 detector.
     *
     * @param dir      the detector's checkpoint folder
     * @param settings threshold, NMS, minimum size, box budget, queries
     * @param mode     which images are detected
     */
    public record Detection(Path dir, DetectorSettings settings, DetectMode mode) {
        public Detection {
            java.util.Objects.requireNonNull(dir);
            java.util.Objects.requireNonNull(settings);
            java.util.Objects.requireNonNull(mode);
        }
    }

    /** The facade underneath (model, tokenizer, processor, detector). */
    public QPert qpert() {
        return qpert;
    }

    @Override
    public boolean detects(GalleryImage image) {
        return detectMode != null && detectMode.detects(image.annotated());
    }

    /** A detected image counts as annotated: its boxes (possibly none) are the detector's verdict. */
    @Override
    public GalleryImage withBoxes(GalleryImage image) {
        if (!detects(image)) {
            return image;
        }
        return new GalleryImage(image.id(), image.file(), qpert.detectBoxes(qpert.decode(image.file())), true);
    }

    /** e.g. {@code CONSTANT alpha=8.0 tau=0.99 coverage=MASK_RESIZE layers=all}, or {@code off}. */
    public static String describe(Perturbation p) {
        if (p.isOff()) {
            return "off";
        }
        return p.weightType() + " alpha=" + p.alpha() + " tau=" + p.tau() + " coverage=" + p.coverage() + " layers="
                + p.layers().map(Object::toString).orElse("all");
    }

    @Override
    public Backend backend() {
        return model.backend();
    }

    @Override
    public ModelCard card() {
        return model.card();
    }

    @Override
    public Map<String, String> storeSettings() {
        return settings;
    }

    @Override
    public boolean perturbs() {
        return !perturbation.isOff();
    }

    /** The batch of one of {@link #embedAll}. */
    @Override
    public EmbeddedImage embed(Path file, List<Box> boxes) {
        return embedAll(List.of(file), List.of(boxes)).get(0);
    }

    /**
     * One image-tower pass for the whole batch, then one features pass for both conditions of every image (the plain
     * features come from the same encoded images, unperturbed). Z is kept only where the model scores pairs.
     */
    @Override
    public List<EmbeddedImage> embedAll(List<Path> files, List<List<Box>> boxes) {
        List<RgbImage> images = files.parallelStream().map(qpert::decode).toList();
        List<PerturbedImage> encoded = qpert.encodeImages(images, boxes, perturbation);
        int n = encoded.size();
        List<EncodedImage> contexts = new ArrayList<>(encoded.stream().map(PerturbedImage::image).toList());
        List<QueryPerturbation> perturbations = new ArrayList<>(Collections.nCopies(n, QueryPerturbation.NONE));
        if (perturbs()) {
            contexts.addAll(List.copyOf(contexts));
            encoded.forEach(p -> perturbations.add(p.perturbation()));
        }
        List<float[]> features = model.imageFeatures(contexts, perturbations);
        List<EmbeddedImage> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new EmbeddedImage(images.get(i).height(), images.get(i).width(),
                    card().pairScorer() ? backend().download(contexts.get(i).imageEmbeds()) : null, features.get(i),
                    perturbs() ? features.get(n + i) : null));
        }
        encoded.forEach(p -> p.image().close());
        return out;
    }

    /** Captions per text pass: bounds the stacked activations (64 × 35 rows for BLIP-2) of a long caption list. */
    static final int TEXT_BATCH = 64;

    @Override
    public float[] textFeatures(List<String> texts) {
        int dim = card().width();
        float[] out = new float[Math.multiplyExact(texts.size(), dim)];
        for (int from = 0; from < texts.size(); from += TEXT_BATCH) {
            int to = Math.min(texts.size(), from + TEXT_BATCH);
            List<TextEmbedding> batch = qpert.embedTexts(texts.subList(from, to));
            for (int j = 0; j < batch.size(); j++) {
                System.arraycopy(batch.get(j).feature(), 0, out, (from + j) * dim, dim);
            }
        }
        return out;
    }

    /** P̄ is built once from the stored Z and reused for every caption of the image; the pairs go in batches. */
    @Override
    public float[] itm(float[] imageEmbeds, int height, int width, List<Box> boxes, boolean perturbed,
                       List<String> texts) {
        try (EncodedImage context = restore(imageEmbeds)) {
            PerturbedImage image = PerturbedImage.of(card(), backend(), context, height, width, boxes,
                    perturbed ? perturbation : Perturbation.none());
            float[] out = new float[texts.size()];
            for (int from = 0; from < texts.size(); from += TEXT_BATCH) {
                int to = Math.min(texts.size(), from + TEXT_BATCH);
                List<float[]> logits = qpert.itmLogits(image, texts.subList(from, to));
                for (int j = 0; j < logits.size(); j++) {
                    out[from + j] = logits.get(j)[1];
                }
            }
            return out;
        }
    }

    /** Each image's P̄ is built from its own stored Z and boxes; the pairs go through the Q-Former in batches. */
    @Override
    public float[] itm(List<ItmQuery> pairs, boolean perturbed) {
        float[] out = new float[pairs.size()];
        for (int from = 0; from < pairs.size(); from += TEXT_BATCH) {
            List<ItmQuery> batch = pairs.subList(from, Math.min(pairs.size(), from + TEXT_BATCH));
            List<EncodedImage> contexts = new ArrayList<>(batch.size());
            try {
                List<PerturbedImage> images = new ArrayList<>(batch.size());
                List<String> texts = new ArrayList<>(batch.size());
                for (ItmQuery q : batch) {
                    EncodedImage context = restore(q.imageEmbeds());
                    contexts.add(context);
                    images.add(PerturbedImage.of(card(), backend(), context, q.height(), q.width(), q.boxes(),
                            perturbed ? perturbation : Perturbation.none()));
                    texts.add(q.text());
                }
                List<float[]> logits = qpert.itmLogits(images, texts);
                for (int j = 0; j < logits.size(); j++) {
                    out[from + j] = logits.get(j)[1];
                }
            } finally {
                contexts.forEach(EncodedImage::close);
            }
        }
        return out;
    }

    private EncodedImage restore(float[] imageEmbeds) {
        int[] shape = card().imageEmbedsShape();
        return model.restore(backend().upload(imageEmbeds, shape[0], shape[1]));
    }

    @Override
    public void close() {
        qpert.close();
    }
}
