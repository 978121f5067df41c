package org.qpert.core.model;

import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Tensor;

/**
 * {@code CLIPAttention} / {@code Owlv2Attention}: separate {@code q_proj}, {@code k_proj}, {@code v_proj} (each with a
 * bias), softmax attention with q scaled by d^−½, {@code out_proj}. The three input projections are stacked into one
 * [3D, D] weight at load so the tokens are read once.
 */
public final class ClipAttention implements SelfAttention {
    private final int heads;
    private final int width;
    private final float scale;
    private final Linear qkv; // [3D, D]: rows q_proj, k_proj, v_proj
    private final Linear outProj; // [D, D]

    public ClipAttention(ModelWeights w, String prefix, int width, int heads) {
        this.heads = heads;
        this.width = width;
        this.scale = (float) Math.pow(width / heads, -0.5);
        int d = width;
        float[] bias = new float[3 * d];
        String[] parts = {"q_proj", "k_proj", "v_proj"};
        String[] weights = new String[3];
        for (int i = 0; i < 3; i++) {
            weights[i] = prefix + "." + parts[i] + ".weight";
            System.arraycopy(w.floats(prefix + "." + parts[i] + ".bias", d), 0, bias, i * d, d);
        }
        this.qkv = new Linear(w.stacked(weights, d, d, d), w.backend().upload(bias, 1, 3 * d));
        this.outProj = Linear.load(w, prefix + ".out_proj", d, d);
    }

    @Override
    public Tensor forward(Backend b, Tensor h, AttentionMask mask, ActivationSink sink, String name) {
        Tensor mixed = qkv.apply(b, h); // [T, 3D]
        Tensor q = b.sliceCols(mixed, 0, width);
        Tensor k = b.sliceCols(mixed, width, 2 * width);
        Tensor v = b.sliceCols(mixed, 2 * width, 3 * width);
        Tensor ctx = mask.attend(b, q, k, v, heads, scale); // [T, D]
        return outProj.apply(b, ctx);
    }
}
