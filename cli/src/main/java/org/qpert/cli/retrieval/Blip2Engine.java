package org.qpert.cli.retrieval;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.CpuBackend;
import org.qpert.core.model.Blip2Config;
import org.qpert.core.model.Blip2Retrieval;
import org.qpert.core.model.ImageContext;
import org.qpert.core.model.QueryPerturbation;
import org.qpert.core.qpert.Box;
import org.qpert.core.qpert.Perturbation;
import org.qpert.core.qpert.PerturbedImage;
import org.qpert.loaders.config.Blip2ConfigReader;
import org.qpert.loaders.image.ClipImageProcessor;
import org.qpert.loaders.image.ImageDecoder;
import org.qpert.loaders.image.RgbImage;
import org.qpert.loaders.safetensors.SafetensorsWeights;
import org.qpert.loaders.text.BertTokenizer;
import org.qpert.loaders.text.EncodedBatch;

/**
 * {@link RetrievalEngine} over a BLIP-2 checkpoint folder (config.json, *.safetensors, vocab.txt or tokenizer.json)
 * on the CPU backend. Captions are cleaned as LAVIS does and cut to 35 tokens (spec/QPERT.md §7).
 */
public final class Blip2Engine implements RetrievalEngine {
    /** LAVIS's max_length for retrieval captions. */
    public static final int MAX_TOKENS = 35;

    private final Blip2Retrieval model;
    private final Backend backend;
    private final BertTokenizer tokenizer;
    private final ClipImageProcessor processor;
    private final ImageDecoder decoder = new ImageDecoder();
    private final Perturbation perturbation;
    private final Map<String, String> settings;

    private Blip2Engine(Blip2Retrieval model, BertTokenizer tokenizer, Perturbation perturbation,
                        Map<String, String> settings) {
        this.model = model;
        this.backend = model.backend();
        this.tokenizer = tokenizer;
        this.processor = new ClipImageProcessor(model.config().vision().imageSize());
        this.perturbation = perturbation;
        this.settings = settings;
    }

    /** Loads the checkpoint in {@code modelDir}; {@code perturbation} may be {@link Perturbation#none()}. */
    public static Blip2Engine load(Path modelDir, Perturbation perturbation) throws IOException {
        Blip2Config cfg = Blip2ConfigReader.read(modelDir);
        Backend backend = new CpuBackend();
        Blip2Retrieval model;
        try (SafetensorsWeights weights = SafetensorsWeights.open(modelDir)) {
            model = Blip2Retrieval.load(cfg, weights, backend);
        }
        BertTokenizer tokenizer = BertTokenizer.load(modelDir).withLavisCleaning(true);
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("model", modelDir.toAbsolutePath().normalize().getFileName().toString());
        settings.put("model_fingerprint", ModelFingerprint.of(modelDir));
        settings.put("image_size", Integer.toString(cfg.vision().imageSize()));
        settings.put("perturbation", describe(perturbation));
        return new Blip2Engine(model, tokenizer, perturbation, settings);
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
        return backend;
    }

    @Override
    public Map<String, String> storeSettings() {
        return settings;
    }

    @Override
    public int[] imageEmbedsShape() {
        return new int[] {model.config().vision().numTokens(), model.config().vision().hiddenSize()};
    }

    @Override
    public int[] featureShape() {
        return new int[] {model.config().numQueryTokens(), model.config().imageTextHiddenSize()};
    }

    @Override
    public boolean perturbs() {
        return !perturbation.isOff();
    }

    @Override
    public EmbeddedImage embed(Path file, List<Box> boxes) {
        RgbImage image = decoder.decode(file);
        ImageContext context = model.encodeImage(processor.pixelValues(image));
        float[] plain = model.imageFeatures(context, QueryPerturbation.NONE);
        float[] perturbed = null;
        if (perturbs()) {
            perturbed = model.imageFeatures(context, pbar(context, image.height(), image.width(), boxes));
        }
        return new EmbeddedImage(image.height(), image.width(), backend.download(context.imageEmbeds()), plain,
                perturbed);
    }

    @Override
    public float[] textFeatures(List<String> texts) {
        int dim = model.config().imageTextHiddenSize();
        float[] out = new float[texts.size() * dim];
        java.util.stream.IntStream.range(0, texts.size()).parallel().forEach(t -> {
            EncodedBatch e = encode(texts.get(t));
            System.arraycopy(model.textFeatures(e.ids()[0], e.attentionMask()[0]), 0, out, t * dim, dim);
        });
        return out;
    }

    @Override
    public float[] itm(float[] imageEmbeds, int height, int width, List<Box> boxes, boolean perturbed,
                       List<String> texts) {
        int[] shape = imageEmbedsShape();
        ImageContext context = model.contextOf(backend.upload(imageEmbeds, shape[0], shape[1]));
        QueryPerturbation p = perturbed ? pbar(context, height, width, boxes) : QueryPerturbation.NONE;
        float[] out = new float[texts.size()];
        for (int t = 0; t < out.length; t++) {
            EncodedBatch e = encode(texts.get(t));
            out[t] = model.itmLogits(context, p, e.ids()[0], e.attentionMask()[0])[1];
        }
        return out;
    }

    private EncodedBatch encode(String text) {
        // One text per batch: padded to its own length only, so no compute goes to padding.
        return tokenizer.encodeBatch(List.of(text), MAX_TOKENS, BertTokenizer.Padding.LONGEST);
    }

    /** P̄ of an image from its context's keys and its boxes (original pixel coordinates), built once per call. */
    private QueryPerturbation pbar(ImageContext context, int height, int width, List<Box> boxes) {
        return PerturbedImage.of(model, context, height, width, boxes, perturbation).perturbation();
    }

    @Override
    public void close() {
        backend.close();
    }
}
