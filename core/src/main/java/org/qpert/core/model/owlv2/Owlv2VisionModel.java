package org.qpert.core.model.owlv2;

import java.util.ArrayList;
import java.util.List;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Tensor;
import org.qpert.core.model.ActivationSink;
import org.qpert.core.model.AttentionMask;
import org.qpert.core.model.ClipAttention;
import org.qpert.core.model.EncoderLayer;
import org.qpert.core.model.LayerNorm;
import org.qpert.core.model.ModelWeights;
import org.qpert.core.model.VisionConfig;
import org.qpert.core.model.VisionEmbeddings;

/**
 * {@code Owlv2VisionTransformer} (CLIP's ViT): embeddings, {@code pre_layernorm}, pre-LN layers, and — as the
 * detector's image embedder uses it — {@code post_layernorm} on every token.
 */
final class Owlv2VisionModel {
    static final String PREFIX = "owlv2.vision_model";
    private final VisionEmbeddings embeddings;
    private final LayerNorm preLayernorm;
    private final List<EncoderLayer> layers = new ArrayList<>();
    private final LayerNorm postLayernorm;

    Owlv2VisionModel(ModelWeights w, VisionConfig cfg) {
        int d = cfg.hiddenSize();
        this.embeddings = VisionEmbeddings.clip(w, PREFIX + ".embeddings.", cfg);
        this.preLayernorm = LayerNorm.load(w, PREFIX + ".pre_layernorm", d, cfg.layerNormEps());
        for (int i = 0; i < cfg.numHiddenLayers(); i++) {
            String name = PREFIX + ".encoder.layers." + i;
            layers.add(new EncoderLayer(w, name, d, cfg.intermediateSize(), cfg.layerNormEps(),
                    new ClipAttention(w, name + ".self_attn", d, cfg.numAttentionHeads()), cfg.activation()));
        }
        this.postLayernorm = LayerNorm.load(w, PREFIX + ".post_layernorm", d, cfg.layerNormEps());
    }

    /** pixels [3, S, S] → post_layernorm(last hidden state) [T, D], class token first. */
    Tensor forward(Backend b, float[] pixels, ActivationSink sink) {
        Tensor x = embeddings.forward(b, pixels); // [T, D]
        sink.accept(PREFIX + ".embeddings", x);
        x = preLayernorm.apply(b, x);
        sink.accept(PREFIX + ".pre_layernorm", x);
        for (EncoderLayer layer : layers) {
            x = layer.forward(b, x, AttentionMask.NONE, sink);
        }
        Tensor out = postLayernorm.apply(b, x);
        sink.accept(PREFIX + ".post_layernorm", out);
        return out;
    }
}
