package org.qpert.family.blip2;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import org.qpert.core.backend.Backend;
import org.qpert.core.model.blip2.Blip2Config;
import org.qpert.core.model.blip2.Blip2Retrieval;
import org.qpert.core.model.blip2.ImageContext;
import org.qpert.family.CaptionEncoder;
import org.qpert.family.CaptionOptions;
import org.qpert.family.FamilyModel;
import org.qpert.family.ImagePreprocessing;
import org.qpert.family.ModelBundle;
import org.qpert.family.ModelFamily;
import org.qpert.loaders.config.Blip2ConfigReader;
import org.qpert.loaders.config.ModelConfigReader;
import org.qpert.loaders.image.ClipImageProcessor;
import org.qpert.loaders.image.RgbImage;
import org.qpert.loaders.safetensors.SafetensorsWeights;
import org.qpert.loaders.text.BertTokenizer;
import org.qpert.loaders.text.EncodedBatch;
import org.qpert.loaders.text.Encoding;

/**
 * BLIP-2 ({@code Blip2ForImageTextRetrieval}, spec/BLIP2.md): an HF folder whose {@code config.json} has
 * {@code model_type} {@code blip-2}, with a WordPiece vocabulary ({@code vocab.txt} or {@code tokenizer.json}).
 * Captions are cleaned as LAVIS does and cut to 35 tokens (spec/QPERT.md §7); images are squashed to S × S.
 */
public final class Blip2Family implements ModelFamily {
    /** LAVIS's caption length for retrieval (spec/QPERT.md §7). */
    public static final int MAX_TOKENS = 35;

    @Override
    public String name() {
        return Blip2Retrieval.FAMILY;
    }

    @Override
    public boolean recognises(Path dir) {
        try {
            return ModelConfigReader.modelType(dir).filter("blip-2"::equals).isPresent();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public ImagePreprocessing images(Path dir) throws IOException {
        return preprocessing(new ClipImageProcessor(Blip2ConfigReader.read(dir).vision().imageSize()));
    }

    private static ImagePreprocessing preprocessing(ClipImageProcessor processor) {
        return new ImagePreprocessing() {
            @Override
            public int size() {
                return processor.size();
            }

            @Override
            public RgbImage resized(RgbImage image) {
                return processor.resize(image);
            }

            @Override
            public float[] normalize(RgbImage resized) {
                return ClipImageProcessor.normalize(resized);
            }
        };
    }

    @Override
    public CaptionEncoder captions(Path dir, CaptionOptions options) {
        BertTokenizer tokenizer = BertTokenizer.load(dir).withLavisCleaning(options.cleaning());
        int maxTokens = options.maxTokensOr(MAX_TOKENS);
        return caption -> encode(tokenizer, caption, maxTokens);
    }

    @Override
    public FamilyModel load(Path dir, Backend backend, CaptionOptions captions) throws IOException {
        Blip2Config cfg = Blip2ConfigReader.read(dir);
        CaptionEncoder encoder = captions(dir, captions);
        try (SafetensorsWeights weights = SafetensorsWeights.open(dir)) {
            Blip2Retrieval model = Blip2Retrieval.load(cfg, weights, backend);
            ImagePreprocessing images = preprocessing(new ClipImageProcessor(cfg.vision().imageSize()));
            return new ModelBundle<>(model, ImageContext.class, images, encoder);
        }
    }

    /** [CLS] ids [SEP] with its mask, no padding; a caption with no word left after cleaning is refused. */
    static Encoding encode(BertTokenizer tokenizer, String caption, int maxTokens) {
        if (caption == null || caption.isBlank()) {
            throw new IllegalArgumentException("empty caption");
        }
        EncodedBatch batch = tokenizer.encodeBatch(List.of(caption), maxTokens, BertTokenizer.Padding.LONGEST);
        Encoding e = new Encoding(batch.ids()[0], batch.attentionMask()[0]);
        if (e.length() <= 2) {
            throw new IllegalArgumentException("caption \"" + caption + "\" has no tokens after cleaning");
        }
        return e;
    }
}
