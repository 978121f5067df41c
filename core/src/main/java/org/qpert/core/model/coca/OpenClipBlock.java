package org.qpert.core.model.coca;

import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Tensor;
import org.qpert.core.model.ActivationSink;
import org.qpert.core.model.AttentionMask;
import org.qpert.core.model.LayerNorm;
import org.qpert.core.model.Linear;
import org.qpert.core.model.ModelWeights;

/**
 * open_clip's {@code ResidualAttentionBlock} (pre-LN): {@code x += attn(ln_1(x))} with the packed
 * {@code attn.in_proj_weight} [3D, D] (rows q, k, v) and {@code attn.out_proj}; {@code x += mlp.c_proj(GELU(mlp.c_fc(
 * ln_2(x))))} with exact-erf GELU.
 */
final class OpenClipBlock {
    private final String name;
    private final int width;
    private final int heads;
    private final float scale;
    private final LayerNorm ln1;
    private final Linear inProj; // [3D, D]
    private final Linear outProj; // [D, D]
    private final LayerNorm ln2;
    private final Linear cFc; // [M, D]
    private final Linear cProj; // [D, M]

    OpenClipBlock(ModelWeights w, String name, int width, int heads, int mlp) {
        this.name = name;
        this.width = width;
        this.heads = heads;
        this.scale = (float) (1.0 / Math.sqrt(width / heads));
        this.ln1 = LayerNorm.load(w, name + ".ln_1", width, CocaConfig.EPS);
        this.inProj = new Linear(w.matrix(name + ".attn.in_proj_weight", 3 * width, width),
                w.row(name + ".attn.in_proj_bias", 3 * width));
        this.outProj = Linear.load(w, name + ".attn.out_proj", width, width);
        this.ln2 = LayerNorm.load(w, name + ".ln_2", width, CocaConfig.EPS);
        this.cFc = Linear.load(w, name + ".mlp.c_fc", mlp, width);
        this.cProj = Linear.load(w, name + ".mlp.c_proj", width, mlp);
    }

    /** x [T, D] (or a stack of items, as the mask says) → [T, D]; the output goes to the sink as {@code key}. */
    Tensor forward(Backend b, Tensor x, AttentionMask mask, ActivationSink sink, String key) {
        Tensor qkv = inProj.apply(b, ln1.apply(b, x)); // [T, 3D]
        Tensor ctx = mask.attend(b, b.sliceCols(qkv, 0, width), b.sliceCols(qkv, width, 2 * width),
                b.sliceCols(qkv, 2 * width, 3 * width), heads, scale); // [T, D]
        x = b.linearResidual(ctx, outProj.weight(), outProj.bias(), x);
        Tensor hidden = b.linearGelu(ln2.apply(b, x), cFc.weight(), cFc.bias()); // [T, M]
        x = b.linearResidual(hidden, cProj.weight(), cProj.bias(), x);
        sink.accept(key, x);
        return x;
    }

    String name() {
        return name;
    }
}
