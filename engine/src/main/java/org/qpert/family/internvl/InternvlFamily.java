package org.qpert.family.internvl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.qpert.core.backend.Backend;
import org.qpert.core.model.internvl.InternvlConfig;
import org.qpert.core.model.internvl.InternvlImage;
import org.qpert.core.model.internvl.InternvlRetrieval;
import org.qpert.core.model.internvl.InternvlVariant;
import org.qpert.family.CaptionEncoder;
import org.qpert.family.CaptionOptions;
import org.qpert.family.FamilyModel;
import org.qpert.family.ImagePreprocessing;
import org.qpert.family.ModelBundle;
import org.qpert.family.ModelFamily;
import org.qpert.loaders.config.InternvlConfigReader;
import org.qpert.loaders.config.ModelConfigReader;
import org.qpert.loaders.image.ClipImageProcessor;
import org.qpert.loaders.image.RgbImage;
import org.qpert.loaders.safetensors.SafetensorsWeights;
import org.qpert.loaders.text.Encoding;
import org.qpert.loaders.text.SentencePieceTokenizer;

/**
 * InternVL-14B ({@code OpenGVLab/InternVL-14B-224px}, spec/INTERNVL.md): an HF folder whose {@code config.json} has
 * {@code model_type} {@code internvl}, with the LLaMA {@code tokenizer.model} at its root or in {@code tokenizer/}.
 * Images are squashed to S × S (bicubic, no crop) and normalized with the ImageNet mean and deviation; captions are
 * {@code "summarize:" + caption} (no cleaning: the reference has none), BOS, pieces, EOS, cut to 80 tokens. The
 * variant that embeds images is the one {@code architectures} names, else the one asked for, else
 * {@link #DEFAULT_VARIANT}.
 */
public final class InternvlFamily implements ModelFamily {
    /** The reference's text length (spec/INTERNVL.md §4). */
    public static final int MAX_TOKENS = 80;
    /** The reference prefixes every caption with this, no space between. */
    public static final String PREFIX = "summarize:";
    /** For a checkpoint that holds both ({@code InternVLModel}): InternVL-G, the stronger retriever. */
    public static final InternvlVariant DEFAULT_VARIANT = InternvlVariant.G;
    static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    @Override
    public String name() {
        return InternvlRetrieval.FAMILY;
    }

    @Override
    public boolean recognises(Path dir) {
        try {
            return ModelConfigReader.modelType(dir).filter(InternvlConfigReader.MODEL_TYPE::equals).isPresent();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public ImagePreprocessing images(Path dir) throws IOException {
        return preprocessing(InternvlConfigReader.read(dir).vision().imageSize());
    }

    private static ImagePreprocessing preprocessing(int size) {
        ClipImageProcessor resize = new ClipImageProcessor(size);
        return new ImagePreprocessing() {
            @Override
            public int size() {
                return size;
            }

            @Override
            public RgbImage resized(RgbImage image) {
                return resize.resize(image);
            }

            @Override
            public float[] normalize(RgbImage resized) {
                return ClipImageProcessor.normalize(resized, IMAGENET_MEAN, IMAGENET_STD);
            }
        };
    }

    @Override
    public CaptionEncoder captions(Path dir, CaptionOptions options) throws IOException {
        SentencePieceTokenizer tokenizer = SentencePieceTokenizer.load(dir);
        int maxTokens = options.maxTokensOr(MAX_TOKENS);
        return caption -> encode(tokenizer, caption, maxTokens);
    }

    /** BOS, the pieces of {@code "summarize:" + caption} cut to {@code maxTokens − 2}, EOS; no padding. */
    static Encoding encode(SentencePieceTokenizer tokenizer, String caption, int maxTokens) {
        if (caption == null || caption.isBlank()) {
            throw new IllegalArgumentException("empty caption");
        }
        return tokenizer.encode(PREFIX + caption, maxTokens, 0, false);
    }

    @Override
    public FamilyModel load(Path dir, Backend backend, CaptionOptions captions) throws IOException {
        return load(dir, backend, captions, null);
    }

    /** {@code variant}: {@code C}, {@code G} (or InternVL-C, InternVL_G, any case); null for the default. */
    @Override
    public FamilyModel load(Path dir, Backend backend, CaptionOptions captions, String variant) throws IOException {
        InternvlConfig cfg = InternvlConfigReader.read(dir);
        InternvlVariant chosen = variant(cfg, variant, dir);
        CaptionEncoder encoder = captions(dir, captions);
        try (SafetensorsWeights weights = SafetensorsWeights.open(dir)) {
            InternvlRetrieval model = InternvlRetrieval.load(cfg, chosen, weights, backend);
            return new ModelBundle<>(model, InternvlImage.class, preprocessing(cfg.vision().imageSize()), encoder,
                    chosen.title());
        }
    }

    /** The folder's own variant (its {@code architectures}) or the one asked for; asking for the other is refused. */
    static InternvlVariant variant(InternvlConfig cfg, String requested, Path dir) {
        InternvlVariant asked = requested == null ? null : InternvlVariant.parse(requested);
        if (cfg.architecture().isPresent()) {
            InternvlVariant own = cfg.architecture().get();
            if (asked != null && asked != own) {
                throw new IllegalArgumentException(dir.resolve("config.json") + " names " + own.architecture()
                        + " in architectures: that checkpoint is " + own.title() + ", not " + asked.title());
            }
            return own;
        }
        return asked == null ? DEFAULT_VARIANT : asked;
    }
}
