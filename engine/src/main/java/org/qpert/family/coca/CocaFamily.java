package org.qpert.family.coca;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.qpert.core.backend.Backend;
import org.qpert.core.model.coca.CocaConfig;
import org.qpert.core.model.coca.CocaImage;
import org.qpert.core.model.coca.CocaRetrieval;
import org.qpert.family.CaptionEncoder;
import org.qpert.family.CaptionOptions;
import org.qpert.family.FamilyModel;
import org.qpert.family.ImagePreprocessing;
import org.qpert.family.ModelBundle;
import org.qpert.family.ModelFamily;
import org.qpert.loaders.config.OpenClipConfigReader;
import org.qpert.loaders.image.OpenClipImageProcessor;
import org.qpert.loaders.image.RgbImage;
import org.qpert.loaders.safetensors.SafetensorsWeights;
import org.qpert.loaders.text.Encoding;
import org.qpert.loaders.text.OpenClipTokenizer;

/**
 * CoCa from open_clip (spec/COCA.md): a folder as the Hub has it, with {@code open_clip_config.json} and
 * {@code open_clip_model.safetensors} / {@code open_clip_pytorch_model.safetensors} (or {@code model.safetensors});
 * without a config (the base repositories), the built-in {@code coca_ViT-L-14} or {@code coca_ViT-B-32}, chosen by
 * the patch embedding's shape. Captions through open_clip's tokenizer (its cleaning is part of it), context 76; images
 * through open_clip's eval transform.
 */
public final class CocaFamily implements ModelFamily {
    /** Weight files in the order they are looked for. */
    static final List<String> WEIGHTS = List.of("open_clip_model.safetensors", "open_clip_pytorch_model.safetensors",
            "model.safetensors");

    @Override
    public String name() {
        return CocaRetrieval.FAMILY;
    }

    @Override
    public boolean recognises(Path dir) {
        return OpenClipConfigReader.present(dir)
                || !Files.exists(dir.resolve("config.json")) && weights(dir).isPresent();
    }

    @Override
    public ImagePreprocessing images(Path dir) throws IOException {
        CocaConfig cfg = config(dir);
        float[][] norm = OpenClipConfigReader.present(dir) ? OpenClipConfigReader.normalization(dir) : null;
        OpenClipImageProcessor p = norm == null ? new OpenClipImageProcessor(cfg.vision().imageSize())
                : new OpenClipImageProcessor(cfg.vision().imageSize(), norm[0], norm[1]);
        return new ImagePreprocessing() {
            @Override
            public int size() {
                return p.size();
            }

            @Override
            public RgbImage resized(RgbImage image) {
                return p.resizeAndCrop(image);
            }

            @Override
            public float[] normalize(RgbImage resized) {
                return p.normalize(resized);
            }
        };
    }

    @Override
    public CaptionEncoder captions(Path dir, CaptionOptions options) throws IOException {
        OpenClipTokenizer tokenizer = OpenClipTokenizer.forFolder(dir);
        int context = config(dir).text().context();
        int length = options.maxTokensOr(context);
        if (length > context) {
            throw new IllegalArgumentException("maxTokens " + length + " is more than the model's context of "
                    + context);
        }
        return caption -> encode(tokenizer, caption, length);
    }

    static Encoding encode(OpenClipTokenizer tokenizer, String caption, int length) {
        if (caption == null || caption.isBlank()) {
            throw new IllegalArgumentException("empty caption");
        }
        Encoding e = tokenizer.encode(caption, length, false);
        if (e.length() <= 2) {
            throw new IllegalArgumentException("caption \"" + caption + "\" has no tokens after cleaning");
        }
        return e;
    }

    @Override
    public FamilyModel load(Path dir, Backend backend, CaptionOptions captions) throws IOException {
        CocaConfig cfg = config(dir);
        Path file = requireWeights(dir);
        ImagePreprocessing images = images(dir);
        CaptionEncoder encoder = captions(dir, captions);
        try (SafetensorsWeights weights = SafetensorsWeights.open(file)) {
            CocaRetrieval model = retrieval(cfg, weights, backend);
            return new ModelBundle<>(model, CocaImage.class, images, encoder);
        }
    }

    /** The towers from {@code weights} under open_clip's state-dict names (e.g. one weight variant, for parity runs). */
    public static CocaRetrieval retrieval(CocaConfig cfg, SafetensorsWeights weights, Backend backend) {
        return CocaRetrieval.load(cfg, new StateDictNames(weights), backend);
    }

    /** The folder's weight file, the first of {@link #WEIGHTS} present. */
    public static Path requireWeights(Path dir) {
        return weights(dir).orElseThrow(() -> new IllegalArgumentException(dir + " has no CoCa weights (one of "
                + String.join(", ", WEIGHTS) + "; convert a PyTorch open_clip_pytorch_model.bin with: qpert convert "
                + dir.resolve("open_clip_pytorch_model.bin") + " " + dir.resolve(WEIGHTS.get(0)) + ")"));
    }

    /** The folder's config, else the built-in one whose patch embedding the weights have. */
    public static CocaConfig config(Path dir) throws IOException {
        if (OpenClipConfigReader.present(dir)) {
            return OpenClipConfigReader.read(dir);
        }
        Path file = weights(dir).orElseThrow(() -> new IllegalArgumentException(dir + " has neither "
                + OpenClipConfigReader.FILE_NAME + " nor CoCa weights"));
        try (SafetensorsWeights w = SafetensorsWeights.open(file)) {
            StateDictNames names = new StateDictNames(w);
            long[] conv = names.shape("visual.conv1.weight");
            for (CocaConfig c : List.of(CocaConfig.vitL14(), CocaConfig.vitB32())) {
                if (conv[0] == c.vision().width() && conv[2] == c.vision().patchSize()) {
                    return c;
                }
            }
            throw new IllegalArgumentException(file + ": visual.conv1.weight " + java.util.Arrays.toString(conv)
                    + " matches neither built-in CoCa (coca_ViT-L-14, coca_ViT-B-32); add its open_clip_config.json");
        }
    }

    static Optional<Path> weights(Path dir) {
        return WEIGHTS.stream().map(dir::resolve).filter(Files::isRegularFile).findFirst();
    }
}
