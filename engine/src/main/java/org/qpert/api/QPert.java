package org.qpert.api;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.BackendProvider;
import org.qpert.core.model.EncodedImage;
import org.qpert.core.model.ModelCard;
import org.qpert.core.qpert.Box;
import org.qpert.core.qpert.Perturbation;
import org.qpert.core.qpert.PerturbedImage;
import org.qpert.core.retrieval.ItcScores;
import org.qpert.family.CaptionOptions;
import org.qpert.family.FamilyModel;
import org.qpert.family.ModelFamilies;
import org.qpert.loaders.hub.HubSettings;
import org.qpert.loaders.hub.ModelSource;
import org.qpert.loaders.image.ImageDecoder;
import org.qpert.loaders.image.RgbImage;
import org.qpert.loaders.text.Encoding;

/**
 * The library facade a JVM service uses: a retrieval checkpoint of any family (BLIP-2, CoCa, … found by its files)
 * with its tokenizer and image preprocessing, on one device, with Q-Perturbation settings. What the model can do is on
 * its {@link #card()}: ITM exists only where the card has a pair scorer. Built once, then safe to call from many
 * threads at once.
 *
 * <pre>{@code
 * try (QPert qpert = QPert.builder().model(Path.of("blip2-itm-vit-g")).build()) {
 *     ImageEmbedding img = qpert.embedImage(Path.of("photo.jpg"), List.of(new Box(10, 20, 120, 90)));
 *     TextEmbedding txt = qpert.embedText("a small red ball under the table");
 *     float itc = qpert.itc(img, txt);
 *     float itm = qpert.itm(img, "a small red ball under the table");
 * }
 * }</pre>
 */
public final class QPert implements AutoCloseable {
    private final FamilyModel model;
    private final ImageDecoder decoder;
    private final Perturbation perturbation;
    private final Detector detector;

    private QPert(FamilyModel model, ImageDecoder decoder, Perturbation perturbation, Detector detector) {
        this.detector = detector;
        this.model = model;
        this.decoder = decoder;
        this.perturbation = perturbation;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options of {@link QPert}; only the model folder is required. */
    public static final class Builder {
        private Path model;
        private HubSettings hub;
        private String device = "cpu";
        private String precision = "f32";
        private Perturbation perturbation = Perturbation.published();
        private int maxTokens;
        private String variant;
        private boolean cleanCaptions = true;
        private long maxImagePixels = -1;
        private Path detectorDir;
        private DetectorSettings detectorSettings = DetectorSettings.defaults();

        private Builder() {
        }

        /**
         * Checkpoint folder of any known family (BLIP-2: config.json, model.safetensors or a sharded index, vocab.txt
         * or tokenizer.json; CoCa: open_clip_config.json and its safetensors); or, when no such folder exists, a
         * Hugging Face Hub id {@code ORG/NAME[@REVISION]} fetched into the Hub cache.
         */
        public Builder model(Path dir) {
            this.model = dir;
            return this;
        }

        /** A Hugging Face Hub id {@code ORG/NAME[@REVISION]}, or a folder, as {@link #model(Path)}. */
        public Builder model(String folderOrHubId) {
            return model(Path.of(folderOrHubId));
        }

        /** Where Hub ids are fetched from and cached (default: the HF_* environment variables, as huggingface_hub). */
        public Builder hub(HubSettings settings) {
            this.hub = Objects.requireNonNull(settings);
            return this;
        }

        /** {@code cpu} (default) or {@code cuda}. */
        public Builder device(String name) {
            this.device = Objects.requireNonNull(name);
            return this;
        }

        /** Matrix products: {@code f32} (default); {@code tf32} or {@code bf16} on cuda. */
        public Builder precision(String name) {
            this.precision = Objects.requireNonNull(name);
            return this;
        }

        /** Default {@link Perturbation#published()}; {@link Perturbation#none()} turns it off. */
        public Builder perturbation(Perturbation p) {
            this.perturbation = Objects.requireNonNull(p);
            return this;
        }

        /**
         * Captions are cut to this many tokens including the start and end tokens (default: the family's own, e.g.
         * 35 for BLIP-2 as LAVIS retrieval).
         */
        public Builder maxTokens(int n) {
            new CaptionOptions(n, true); // checks n
            this.maxTokens = n;
            return this;
        }

        /**
         * The family's caption cleaning (BLIP-2: LAVIS's lowercase, punctuation to spaces, ≤ 50 words); default on.
         */
        public Builder cleanCaptions(boolean on) {
            this.cleanCaptions = on;
            return this;
        }

        /**
         * Which of the checkpoint's models embeds images, where it holds several (InternVL: {@code C} or {@code G},
         * default G, unless its config.json names one); null (the default) for the folder's own.
         */
        public Builder variant(String name) {
            this.variant = name;
            return this;
        }

        /** Images with more pixels are refused before decoding (default: Pillow's limit). */
        public Builder maxImagePixels(long n) {
            this.maxImagePixels = n;
            return this;
        }

        /**
         * An OWLv2 detector folder or Hub id (e.g. google/owlv2-base-patch16-ensemble): images embedded without boxes get its
         * boxes ({@link #embedImage(Path)}). It runs on the same device as the model.
         */
        public Builder detector(Path dir) {
            this.detectorDir = dir;
            return this;
        }

        /** The detector's threshold, NMS, minimum size, box budget and queries (default {@link DetectorSettings#defaults()}). */
        public Builder detectorSettings(DetectorSettings settings) {
            this.detectorSettings = Objects.requireNonNull(settings);
            return this;
        }

        public QPert build() throws IOException {
            if (model == null) {
                throw new IllegalArgumentException("no model folder given (builder().model(dir))");
            }
            Path model = hub == null ? ModelSource.resolve(this.model) : ModelSource.resolve(this.model, hub);
            var family = ModelFamilies.of(model);
            Backend backend = BackendProvider.open(device, precision);
            try {
                FamilyModel m = family.load(model, backend, new CaptionOptions(maxTokens, cleanCaptions), variant);
                ImageDecoder decoder = maxImagePixels > 0 ? new ImageDecoder(maxImagePixels) : new ImageDecoder();
                Detector detector = detectorDir == null ? null
                        : Detector.load(detectorDir, detectorSettings, backend, decoder);
                return new QPert(m, decoder, perturbation, detector);
            } catch (RuntimeException | IOException e) {
                backend.close();
                throw e;
            }
        }
    }

    /** The loaded model with its family's preprocessing and caption handling. */
    public FamilyModel model() {
        return model;
    }

    /** What the model can do: its family, ITC vectors, pair scorer, token grid, perturbation sites. */
    public ModelCard card() {
        return model.card();
    }

    public Perturbation perturbation() {
        return perturbation;
    }

    /** Decodes a PNG or JPEG as Pillow's {@code convert("RGB")} would, refusing images above the pixel limit. */
    public RgbImage decode(Path file) {
        return decoder.decode(file);
    }

    /** Decodes the file (PNG or JPEG) and embeds it; boxes are in its original pixel coordinates. */
    public ImageEmbedding embedImage(Path file, List<Box> boxes) {
        return embedImage(decoder.decode(file), boxes, perturbation);
    }

    /** An image without annotated boxes: the detector's boxes when there is a detector, else none. */
    public ImageEmbedding embedImage(Path file) {
        RgbImage image = decoder.decode(file);
        return embedImage(image, detectBoxes(image), perturbation);
    }

    /** The detector, when the builder was given one. */
    public Optional<Detector> detector() {
        return Optional.ofNullable(detector);
    }

    /** The detector's boxes for {@code image} in its pixels, best first; none without a detector. */
    public List<Box> detectBoxes(RgbImage image) {
        if (detector == null) {
            return List.of();
        }
        return detector.detect(image).stream().map(d -> new Box(d.x0(), d.y0(), d.x1(), d.y1())).toList();
    }

    /** Embeds a decoded image with the given boxes and settings (e.g. {@link Perturbation#none()} for a baseline). */
    public ImageEmbedding embedImage(RgbImage image, List<Box> boxes, Perturbation settings) {
        return embedImages(List.of(image), List.of(boxes), settings).get(0);
    }

    /**
     * Embeds decoded images in one batch (one pass of each tower for all of them), image i with
     * {@code boxes.get(i)}; each result equals what the image gives alone.
     */
    public List<ImageEmbedding> embedImages(List<RgbImage> images, List<List<Box>> boxes, Perturbation settings) {
        List<PerturbedImage> encoded = encodeImages(images, boxes, settings);
        List<float[]> features = model.imageFeatures(encoded.stream().map(PerturbedImage::image).toList(),
                encoded.stream().map(PerturbedImage::perturbation).toList());
        ModelCard card = card();
        List<ImageEmbedding> out = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) {
            out.add(new ImageEmbedding(images.get(i).height(), images.get(i).width(), boxes.get(i), features.get(i),
                    card.queries(), card.width(), encoded.get(i)));
        }
        return out;
    }

    /** The image tower's pass over a batch of decoded images and each image's objects and P̄ (no ITC features yet). */
    public List<PerturbedImage> encodeImages(List<RgbImage> images, List<List<Box>> boxes, Perturbation settings) {
        if (images.size() != boxes.size()) {
            throw new IllegalArgumentException(boxes.size() + " box lists for " + images.size() + " images");
        }
        List<float[]> pixels = images.parallelStream().map(model::pixelValues).toList();
        List<EncodedImage> encoded = model.encodeImages(pixels);
        List<PerturbedImage> out = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) {
            RgbImage image = images.get(i);
            out.add(PerturbedImage.of(card(), model.backend(), encoded.get(i), image.height(), image.width(),
                    boxes.get(i), settings));
        }
        return out;
    }

    /** Embeds a caption (cleaned as configured, truncated to the max length). */
    public TextEmbedding embedText(String caption) {
        return embedTexts(List.of(caption)).get(0);
    }

    /** Embeds captions in one text-tower pass (each at its own length); each result equals the caption alone. */
    public List<TextEmbedding> embedTexts(List<String> captions) {
        List<Encoding> encodings = captions.stream().map(this::encode).toList();
        List<float[]> features = model.textFeatures(encodings);
        List<TextEmbedding> out = new ArrayList<>(captions.size());
        for (int i = 0; i < captions.size(); i++) {
            out.add(new TextEmbedding(captions.get(i), encodings.get(i).ids(), features.get(i)));
        }
        return out;
    }

    /** ITC score: the best cosine of the image's vectors with the caption's feature (one vector: its cosine). */
    public float itc(ImageEmbedding image, TextEmbedding text) {
        return ItcScores.itc(image.features(), text.feature());
    }

    /** ITM logits [no match, match] of the image with the caption, with the image's own perturbation. */
    public float[] itmLogits(ImageEmbedding image, String caption) {
        return itmLogits(image.encoded(), List.of(caption)).get(0);
    }

    /**
     * ITM logits [no match, match] of one encoded image (its own P̄, if any) with each caption, all pairs in one
     * pass; refused where the card has no pair scorer.
     */
    public List<float[]> itmLogits(PerturbedImage image, List<String> captions) {
        List<FamilyModel.Pair> pairs = new ArrayList<>(captions.size());
        for (String caption : captions) {
            pairs.add(new FamilyModel.Pair(image.image(), image.perturbation(), encode(caption)));
        }
        return model.pairLogits(pairs);
    }

    /**
     * ITM logits [no match, match] of pairs: {@code images.get(i)} (its own P̄, if any) with {@code captions.get(i)},
     * all pairs in one pass; each equals the pair scored alone. Refused where the card has no pair scorer.
     */
    public List<float[]> itmLogits(List<PerturbedImage> images, List<String> captions) {
        if (images.size() != captions.size()) {
            throw new IllegalArgumentException(images.size() + " images for " + captions.size() + " captions: ITM "
                    + "pairs need one caption per image");
        }
        List<FamilyModel.Pair> pairs = new ArrayList<>(captions.size());
        for (int i = 0; i < captions.size(); i++) {
            PerturbedImage image = images.get(i);
            pairs.add(new FamilyModel.Pair(image.image(), image.perturbation(), encode(captions.get(i))));
        }
        return model.pairLogits(pairs);
    }

    /** ITM class-1 ("match") logit, the score LAVIS and the paper add to ITC when re-ranking. */
    public float itm(ImageEmbedding image, String caption) {
        return itmLogits(image, caption)[1];
    }

    /** Token ids and mask of a caption as the model sees it (the family's cleaning and tokenizer, no padding). */
    public Encoding encode(String caption) {
        return model.encode(caption);
    }

    @Override
    public void close() {
        model.backend().close();
    }
}
