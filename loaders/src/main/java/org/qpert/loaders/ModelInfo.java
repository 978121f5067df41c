package org.qpert.loaders;

import org.qpert.core.model.ModelConfig;
import org.qpert.core.model.VisionConfig;
import org.qpert.core.model.blip2.Blip2Config;
import org.qpert.core.model.blip2.QFormerConfig;
import org.qpert.core.model.owlv2.Owlv2Config;
import org.qpert.core.model.owlv2.Owlv2TextConfig;
import org.qpert.loaders.config.ModelConfigReader;
import org.qpert.loaders.safetensors.DType;
import org.qpert.loaders.safetensors.SafetensorsWeights;
import org.qpert.loaders.safetensors.TensorInfo;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * Summary of a checkpoint folder ({@code config.json} + safetensors), from the headers only: no tensor data is read.
 *
 * @param folder             the checkpoint folder
 * @param config             the config with HF defaults applied (BLIP-2 or OWLv2, by {@code model_type})
 * @param weightFiles        number of safetensors files (1, or the shard count)
 * @param tensorCount        number of tensors
 * @param parameterCount     total elements over all tensors
 * @param tensorsByDtype     tensors per stored dtype
 * @param parametersByDtype  elements per stored dtype
 */
public record ModelInfo(Path folder, ModelConfig config, int weightFiles, int tensorCount, long parameterCount,
                        Map<DType, Integer> tensorsByDtype, Map<DType, Long> parametersByDtype) {

    public static ModelInfo of(Path folder) throws IOException {
        ModelConfig config = ModelConfigReader.read(folder);
        try (SafetensorsWeights w = SafetensorsWeights.open(folder)) {
            Map<DType, Integer> tensors = new EnumMap<>(DType.class);
            Map<DType, Long> params = new EnumMap<>(DType.class);
            long total = 0;
            for (TensorInfo t : w.tensors()) {
                tensors.merge(t.dtype(), 1, Integer::sum);
                params.merge(t.dtype(), t.numel(), Long::sum);
                total += t.numel();
            }
            return new ModelInfo(folder, config, w.files().size(), w.names().size(), total,
                    Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(params));
        }
    }

    /** Human-readable, one aspect per line. */
    public String toText() {
        VisionConfig v = config.vision();
        StringBuilder s = new StringBuilder();
        line(s, "model", folder.toString());
        line(s, "type", config.modelType());
        line(s, "vision", String.format("hidden %d, layers %d, heads %d, intermediate %d, image %d, patch %d"
                        + " (%d tokens), layer_norm_eps %s, act %s", v.hiddenSize(), v.numHiddenLayers(),
                v.numAttentionHeads(), v.intermediateSize(), v.imageSize(), v.patchSize(), v.numTokens(),
                v.layerNormEps(), v.hiddenAct()));
        if (config instanceof Blip2Config b) {
            blip2(s, b);
        } else if (config instanceof Owlv2Config o) {
            owlv2(s, o);
        }
        line(s, "tensors", tensorCount + " in " + weightFiles + " file" + (weightFiles == 1 ? "" : "s"));
        line(s, "parameters", String.valueOf(parameterCount));
        tensorsByDtype.forEach((dtype, n) -> line(s, "dtype " + dtype,
                n + " tensors, " + parametersByDtype.get(dtype) + " parameters"));
        return s.toString();
    }

    private static void blip2(StringBuilder s, Blip2Config config) {
        QFormerConfig q = config.qformer();
        line(s, "qformer", String.format("hidden %d, layers %d, heads %d, intermediate %d, vocab %d,"
                        + " max positions %d, cross-attention layers %s, text input %s, layer_norm_eps %s",
                q.hiddenSize(), q.numHiddenLayers(), q.numAttentionHeads(), q.intermediateSize(), q.vocabSize(),
                q.maxPositionEmbeddings(), Arrays.toString(q.crossAttentionLayers()), q.useQformerTextInput(),
                q.layerNormEps()));
        line(s, "heads", String.format("queries %d, embedding %d, image_token_index %s", config.numQueryTokens(),
                config.imageTextHiddenSize(), config.imageTokenIndex().isPresent()
                        ? String.valueOf(config.imageTokenIndex().getAsInt()) : "none"));
    }

    private static void owlv2(StringBuilder s, Owlv2Config config) {
        Owlv2TextConfig t = config.text();
        line(s, "text", String.format("hidden %d, layers %d, heads %d, intermediate %d, vocab %d, max positions %d"
                        + " (bos %d, eos %d, pad %d), layer_norm_eps %s, act %s", t.hiddenSize(), t.numHiddenLayers(),
                t.numAttentionHeads(), t.intermediateSize(), t.vocabSize(), t.maxPositionEmbeddings(),
                t.bosTokenId(), t.eosTokenId(), t.padTokenId(), t.layerNormEps(), t.hiddenAct()));
        line(s, "detector", String.format("grid %dx%d (%d boxes per image), projection %d, heads box, objectness,"
                + " class", config.grid(), config.grid(), config.grid() * config.grid(), config.projectionDim()));
    }

    private static void line(StringBuilder s, String key, String value) {
        s.append(String.format("%-11s %s%n", key, value));
    }
}
