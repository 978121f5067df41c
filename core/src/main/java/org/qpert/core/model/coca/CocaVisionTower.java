package org.qpert.core.model.coca;

import java.util.ArrayList;
import java.util.List;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Segments;
import org.qpert.core.backend.Tensor;
import org.qpert.core.backend.TensorScope;
import org.qpert.core.model.ActivationSink;
import org.qpert.core.model.AttentionMask;
import org.qpert.core.model.LayerNorm;
import org.qpert.core.model.ModelWeights;
import org.qpert.core.model.VisionConfig;
import org.qpert.core.model.VisionEmbeddings;

/**
 * open_clip's {@code VisionTransformer} up to the pooler (spec/COCA.md §5.1 steps 1–2): patch conv, class token,
 * positions, {@code ln_pre}, the {@code visual.transformer.resblocks}. No {@code ln_post} here: CoCa applies it to the
 * pooler's outputs.
 */
final class CocaVisionTower {
    private final CocaConfig.Vision cfg;
    private final VisionEmbeddings embeddings;
    private final LayerNorm lnPre;
    private final List<OpenClipBlock> blocks = new ArrayList<>();

    CocaVisionTower(ModelWeights w, CocaConfig.Vision cfg) {
        this.cfg = cfg;
        this.embeddings = VisionEmbeddings.openClip(w, new VisionConfig(cfg.width(), cfg.layers(), cfg.heads(),
                cfg.mlp(), cfg.imageSize(), cfg.patchSize(), CocaConfig.EPS, true, "gelu"));
        this.lnPre = LayerNorm.load(w, "visual.ln_pre", cfg.width(), CocaConfig.EPS);
        for (int l = 0; l < cfg.layers(); l++) {
            blocks.add(new OpenClipBlock(w, "visual.transformer.resblocks." + l, cfg.width(), cfg.heads(), cfg.mlp()));
        }
    }

    /** B images' pixels [3, S, S] → tokens X [B·T, Dv] (class token first per image); images attend to themselves. */
    Tensor forward(Backend b, List<float[]> pixels, ActivationSink sink) {
        Segments images = Segments.uniform(pixels.size(), cfg.tokens());
        Tensor x = embeddings.forward(b, pixels);
        sink.accept("vision/embeddings", x);
        x = lnPre.apply(b, x);
        sink.accept("vision/ln_pre", x);
        AttentionMask mask = AttentionMask.within(images);
        for (int l = 0; l < blocks.size(); l++) {
            // a block's intermediates are closed as it ends, so a pooling backend reuses them in the next
            try (TensorScope perBlock = TensorScope.open()) {
                Tensor next = perBlock.keep(blocks.get(l).forward(b, x, mask, sink, "vision/resblocks." + l));
                x.close();
                x = next;
            }
        }
        return x;
    }
}
