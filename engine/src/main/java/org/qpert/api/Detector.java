package org.qpert.api;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.BackendProvider;
import org.qpert.core.model.owlv2.Owlv2Config;
import org.qpert.core.model.owlv2.Owlv2Detector;
import org.qpert.core.model.owlv2.Owlv2Output;
import org.qpert.loaders.ModelFingerprint;
import org.qpert.loaders.config.Owlv2ConfigReader;
import org.qpert.loaders.dataset.ImageBoxes;
import org.qpert.loaders.dataset.LabeledBox;
import org.qpert.loaders.hub.ModelSource;
import org.qpert.loaders.image.ImageDecoder;
import org.qpert.loaders.image.Owlv2ImageProcessor;
import org.qpert.loaders.image.RgbImage;
import org.qpert.loaders.safetensors.SafetensorsWeights;
import org.qpert.loaders.text.ClipTokenizer;
import org.qpert.loaders.text.Encoding;

/**
 * The object detector of the library: an OWLv2 checkpoint folder (config.json with model_type "owlv2",
 * *.safetensors, and vocab.json + merges.txt or tokenizer.json when there are text queries) with its image
 * processing, CLIP tokenizer and post-processing settings. {@link #detect} returns boxes in the image's original
 * pixels, clipped to it, best first. Built once, then safe to call from many threads.
 *
 * <pre>{@code
 * try (Detector d = Detector.load(Path.of("owlv2-base-patch16-ensemble"), DetectorSettings.defaults())) {
 *     List<Detection> found = d.detect(Path.of("photo.jpg"));
 * }
 * }</pre>
 */
public final class Detector implements AutoCloseable {

    private final Owlv2Detector model;
    private final DetectorSettings settings;
    private final Owlv2ImageProcessor processor;
    private final ImageDecoder decoder;
    /** [Q][P] normalized query embeddings, or null for objectness. */
    private final float[][] queries;
    private final String fingerprint;
    private final boolean ownsBackend;

    private Detector(Owlv2Detector model, DetectorSettings settings, float[][] queries, String fingerprint,
                     ImageDecoder decoder, boolean ownsBackend) {
        this.model = model;
        this.settings = settings;
        this.processor = new Owlv2ImageProcessor(model.config().vision().imageSize());
        this.decoder = decoder;
        this.queries = queries;
        this.fingerprint = fingerprint;
        this.ownsBackend = ownsBackend;
    }

    /** Loads {@code dir} on the CPU. */
    public static Detector load(Path dir, DetectorSettings settings) throws IOException {
        return load(dir, settings, "cpu", "f32");
    }

    /** Loads {@code dir} on its own backend ({@code cpu} or {@code cuda}, matrix products in {@code precision}). */
    public static Detector load(Path model, DetectorSettings settings, String device, String precision)
            throws IOException {
        Path dir = folder(model);
        Owlv2Config cfg = Owlv2ConfigReader.read(dir);
        Backend backend = BackendProvider.open(device, precision);
        try {
            return load(dir, cfg, settings, backend, true, new ImageDecoder());
        } catch (RuntimeException | IOException e) {
            backend.close();
            throw e;
        }
    }

    /** Loads {@code dir} on a backend the caller owns (and closes after this detector). */
    public static Detector load(Path model, DetectorSettings settings, Backend backend, ImageDecoder decoder)
            throws IOException {
        Path dir = folder(model);
        return load(dir, Owlv2ConfigReader.read(dir), settings, backend, false, decoder);
    }

    /** The checkpoint folder, or the Hub cache's snapshot of the Hub id {@code ORG/NAME[@REVISION]} it spells. */
    private static Path folder(Path model) throws IOException {
        try {
            return ModelSource.resolve(model);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("detector " + model + " is neither a folder nor a Hub id (expected an "
                    + "OWLv2 checkpoint with config.json and *.safetensors, e.g. google/owlv2-base-patch16-ensemble)");
        }
    }

    private static Detector load(Path dir, Owlv2Config cfg, DetectorSettings settings, Backend backend,
                                 boolean ownsBackend, ImageDecoder decoder) throws IOException {
        Objects.requireNonNull(settings);
        // Tokenize before loading weights: a bad query fails in milliseconds, not after a 600 MB load.
        List<Encoding> encoded = encodeQueries(dir, cfg, settings.queries());
        Owlv2Detector model;
        try (SafetensorsWeights weights = SafetensorsWeights.open(dir)) {
            model = Owlv2Detector.load(cfg, weights, backend);
        }
        float[][] queries = null;
        if (!encoded.isEmpty()) {
            queries = new float[encoded.size()][];
            for (int q = 0; q < queries.length; q++) {
                queries[q] = model.embedQuery(encoded.get(q).ids(), encoded.get(q).attentionMask());
            }
        }
        return new Detector(model, settings, queries, ModelFingerprint.of(dir), decoder, ownsBackend);
    }

    private static List<Encoding> encodeQueries(Path dir, Owlv2Config cfg, List<String> queries) {
        if (queries.isEmpty()) {
            return List.of();
        }
        ClipTokenizer tokenizer = ClipTokenizer.load(dir);
        int vocab = cfg.text().vocabSize();
        List<Encoding> out = new ArrayList<>();
        for (String q : queries) {
            Encoding e = tokenizer.encode(q, cfg.text().maxPositionEmbeddings());
            for (int id : e.ids()) {
                if (id >= vocab) {
                    throw new IllegalArgumentException(dir + ": query \"" + q + "\" has token id " + id
                            + ", outside the model's vocabulary of " + vocab + " (tokenizer and config disagree)");
                }
            }
            out.add(e);
        }
        return out;
    }

    public Owlv2Detector model() {
        return model;
    }

    public DetectorSettings settings() {
        return settings;
    }

    /** The checkpoint's content fingerprint ({@link ModelFingerprint}), as for retrieval models. */
    public String fingerprint() {
        return fingerprint;
    }

    /**
     * What an embedding store records about the boxes' origin: the checkpoint's content fingerprint (not its folder
     * name, so a moved detector keeps its stores) and the settings.
     */
    public Map<String, String> storeSettings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("detector_fingerprint", fingerprint);
        s.put("detector_settings", settings.describe());
        return s;
    }

    /** Decodes the file (refusing images above the pixel limit) and detects in it. */
    public List<Detection> detect(Path file) {
        return detect(decoder.decode(file));
    }

    public RgbImage decode(Path file) {
        return decoder.decode(file);
    }

    /** Detections in original pixels, clipped to the image, best first. */
    public List<Detection> detect(RgbImage image) {
        Owlv2Output out = model.predict(processor.pixelValues(image), queries);
        return Detections.decode(out, image.height(), image.width(), settings);
    }

    /** The detections of one image in the qpert box format's terms. */
    public static ImageBoxes imageBoxes(String name, RgbImage image, List<Detection> detections) {
        List<LabeledBox> boxes = detections.stream().map(Detection::toLabeledBox).toList();
        return new ImageBoxes(name, image.width(), image.height(), boxes);
    }

    @Override
    public void close() {
        if (ownsBackend) {
            model.backend().close();
        }
    }
}
