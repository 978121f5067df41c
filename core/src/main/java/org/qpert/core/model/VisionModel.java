package org.qpert.core.model;

import java.util.ArrayList;
import java.util.List;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Tensor;

/** {@code Blip2VisionModel}: embeddings, pre-LN encoder layers, post_layernorm over the whole sequence. */
public final class VisionModel {
    private final VisionConfig cfg;
    private final VisionEmbeddings embeddings;
    private final List<EncoderLayer> layers = new ArrayList<>();
    private final LayerNorm postLayernorm;

    VisionModel(ModelWeights w, VisionConfig cfg) {
        this.cfg = cfg;
        this.embeddings = VisionEmbeddings.blip2(w, cfg);
        for (int i = 0; i < cfg.numHiddenLayers(); i++) {
            String name = "vision_model.encoder.layers." + i;
            layers.add(new EncoderLayer(w, name, cfg.hiddenSize(), cfg.intermediateSize(), cfg.layerNormEps(),
                    new VisionAttention(w, name + ".self_attn", cfg), cfg.activation()));
        }
        this.postLayernorm = LayerNorm.load(w, "vision_model.post_layernorm", cfg.hiddenSize(), cfg.layerNormEps());
    }

    public VisionConfig config() {
        return cfg;
    }

    /** pixels [3, S, S] → image_embeds [T, D] (post_layernorm applied, CLS included). */
    public Tensor forward(Backend b, float[] pixels, ActivationSink sink) {
        Tensor x = embeddings.forward(b, pixels);
        sink.accept("vision_model.embeddings", x);
        for (EncoderLayer layer : layers) {
            x = layer.forward(b, x, AttentionMask.NONE, sink);
        }
        Tensor out = postLayernorm.apply(b, x);
        sink.accept("vision_model.post_layernorm", out);
        if (sink.active()) {
            sink.accept("pooled_output", postLayernorm.apply(b, b.sliceRows(out, 0, 1)));
        }
        return out;
    }
}
