package org.qpert.core.model.internvl;

import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Tensor;
import org.qpert.core.model.ActivationSink;
import org.qpert.core.model.AttentionMask;
import org.qpert.core.model.Linear;
import org.qpert.core.model.ModelWeights;

/**
 * InternViT's {@code InternVisionEncoderLayer} (spec/INTERNVL.md §3.1 step 2), pre-norm with layer scale:
 * {@code h += ls1 ⊙ attn(norm1(h))}, where attn has one {@code qkv} projection (rows q | k | v), q and k RMS-normed
 * over the full width (all heads together), softmax attention and {@code proj}; {@code h += ls2 ⊙ fc2(GELU(fc1(
 * norm2(h))))}.
 */
final class InternVisionLayer {
    private final String name;
    private final int width;
    private final int heads;
    private final float scale;
    private final RmsNorm norm1;
    private final Linear qkv; // [3Dv, Dv]
    private final RmsNorm qNorm; // [Dv] or null without QK-norm
    private final RmsNorm kNorm;
    private final Linear proj; // [Dv, Dv]
    private final Tensor ls1; // [1, Dv]
    private final RmsNorm norm2;
    private final Linear fc1; // [F, Dv]
    private final Linear fc2; // [Dv, F]
    private final Tensor ls2; // [1, Dv]

    InternVisionLayer(ModelWeights w, String name, InternvlConfig.Vision cfg) {
        this.name = name;
        this.width = cfg.width();
        this.heads = cfg.heads();
        this.scale = (float) (1.0 / Math.sqrt(width / heads));
        int d = width;
        this.norm1 = RmsNorm.load(w, name + ".norm1.weight", d, cfg.eps());
        this.qkv = new Linear(w.matrix(name + ".attn.qkv.weight", 3 * d, d),
                cfg.qkvBias() ? w.row(name + ".attn.qkv.bias", 3 * d) : null);
        this.qNorm = cfg.qkNorm() ? RmsNorm.load(w, name + ".attn.q_norm.weight", d, cfg.eps()) : null;
        this.kNorm = cfg.qkNorm() ? RmsNorm.load(w, name + ".attn.k_norm.weight", d, cfg.eps()) : null;
        this.proj = Linear.load(w, name + ".attn.proj", d, d);
        this.ls1 = w.row(name + ".ls1", d);
        this.norm2 = RmsNorm.load(w, name + ".norm2.weight", d, cfg.eps());
        this.fc1 = Linear.load(w, name + ".mlp.fc1", cfg.mlp(), d);
        this.fc2 = Linear.load(w, name + ".mlp.fc2", d, cfg.mlp());
        this.ls2 = w.row(name + ".ls2", d);
    }

    /** h [B·T, Dv] → [B·T, Dv]; the mask keeps each image to its own tokens. */
    Tensor forward(Backend b, Tensor h, AttentionMask mask, ActivationSink sink, String key) {
        Tensor mixed = qkv.apply(b, norm1.apply(b, h)); // [B·T, 3Dv]
        Tensor q = b.sliceCols(mixed, 0, width);
        Tensor k = b.sliceCols(mixed, width, 2 * width);
        Tensor v = b.sliceCols(mixed, 2 * width, 3 * width);
        if (qNorm != null) {
            q = qNorm.apply(b, q);
            k = kNorm.apply(b, k);
        }
        Tensor attn = proj.apply(b, mask.attend(b, q, k, v, heads, scale)); // [B·T, Dv]
        sink.accept(key + ".attn", attn);
        h = b.scaledResidual(attn, ls1, h);
        Tensor mlp = fc2.apply(b, b.linearGelu(norm2.apply(b, h), fc1.weight(), fc1.bias())); // [B·T, Dv]
        sink.accept(key + ".mlp", mlp);
        h = b.scaledResidual(mlp, ls2, h);
        sink.accept(key, h);
        return h;
    }

    String name() {
        return name;
    }
}
