package org.qpert.core.model.internvl;

import java.util.ArrayList;
import java.util.List;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Segments;
import org.qpert.core.backend.Tensor;
import org.qpert.core.backend.TensorScope;
import org.qpert.core.model.ActivationSink;
import org.qpert.core.model.AttentionMask;
import org.qpert.core.model.ModelWeights;
import org.qpert.core.model.VisionConfig;
import org.qpert.core.model.VisionEmbeddings;

/**
 * InternViT-6B ({@code vision_model.*}, spec/INTERNVL.md §3.1): patch embedding with bias, class token and positions
 * (the BLIP-2 layout of {@code vision_model.embeddings}), then the encoder layers. No final norm: Z is the last
 * layer's output.
 */
final class InternVisionModel {
    private final InternvlConfig.Vision cfg;
    private final VisionEmbeddings embeddings;
    private final List<InternVisionLayer> layers = new ArrayList<>();

    InternVisionModel(ModelWeights w, InternvlConfig.Vision cfg) {
        this.cfg = cfg;
        this.embeddings = VisionEmbeddings.blip2(w, new VisionConfig(cfg.width(), cfg.layers(), cfg.heads(),
                cfg.mlp(), cfg.imageSize(), cfg.patchSize(), cfg.eps(), cfg.qkvBias(), "gelu"));
        for (int l = 0; l < cfg.layers(); l++) {
            layers.add(new InternVisionLayer(w, "vision_model.encoder.layers." + l, cfg));
        }
    }

    /** B images' pixels [3, S, S] → Z [B·T, Dv], image i at rows i·T.. (class token first). */
    Tensor forward(Backend b, List<float[]> pixels, ActivationSink sink) {
        AttentionMask mask = AttentionMask.within(Segments.uniform(pixels.size(), cfg.tokens()));
        Tensor h = embeddings.forward(b, pixels); // [B·T, Dv]
        sink.accept("vision/embeddings", h);
        for (int l = 0; l < layers.size(); l++) {
            // a layer's intermediates are closed as it ends, so a pooling backend reuses them in the next
            try (TensorScope perLayer = TensorScope.open()) {
                Tensor next = perLayer.keep(layers.get(l).forward(b, h, mask, sink, "vision/layer." + l));
                h.close();
                h = next;
            }
        }
        return h;
    }
}
