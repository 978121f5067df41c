package org.qpert.core.model.blip2;

import java.util.ArrayList;
import java.util.List;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Segments;
import org.qpert.core.backend.Tensor;
import org.qpert.core.backend.TensorScope;
import org.qpert.core.model.ActivationSink;
import org.qpert.core.model.AttentionMask;
import org.qpert.core.model.EncoderLayer;
import org.qpert.core.model.LayerNorm;
import org.qpert.core.model.ModelWeights;
import org.qpert.core.model.VisionConfig;
import org.qpert.core.model.VisionEmbeddings;

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

    /**
     * B images' pixels [3, S, S] → image_embeds [B·T, D] (post_layernorm applied, CLS included), image i at rows
     * i·T..; images attend only to themselves.
     */
    public Tensor forward(Backend b, List<float[]> pixels, ActivationSink sink) {
        Segments images = Segments.uniform(pixels.size(), cfg.numTokens());
        Tensor x = embeddings.forward(b, pixels);
        sink.accept("vision_model.embeddings", x);
        AttentionMask mask = AttentionMask.within(images);
        for (EncoderLayer layer : layers) {
            // A layer's intermediates are closed as it ends, and the layer before's output once it is used: a
            // pooling backend then reuses their memory in the next layer (a ViT-g forward makes ~940 MB of them).
            try (TensorScope perLayer = TensorScope.open()) {
                Tensor next = perLayer.keep(layer.forward(b, x, mask, sink));
                x.close();
                x = next;
            }
        }
        Tensor out = postLayernorm.apply(b, x);
        sink.accept("vision_model.post_layernorm", out);
        if (sink.active()) {
            int[] cls = new int[images.count()];
            for (int i = 0; i < cls.length; i++) {
                cls[i] = images.start(i);
            }
            sink.accept("pooled_output", postLayernorm.apply(b, b.gatherRows(out, cls)));
        }
        return out;
    }

    /** pixels [3, S, S] → image_embeds [T, D]: the batch of one. */
    public Tensor forward(Backend b, float[] pixels, ActivationSink sink) {
        return forward(b, List.of(pixels), sink);
    }
}
