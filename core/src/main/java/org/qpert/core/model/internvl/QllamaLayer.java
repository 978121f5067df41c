package org.qpert.core.model.internvl;

import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Segments;
import org.qpert.core.backend.Tensor;
import org.qpert.core.model.ActivationSink;
import org.qpert.core.model.AttentionMask;
import org.qpert.core.model.Linear;
import org.qpert.core.model.ModelWeights;

/**
 * QLLaMA's {@code LlamaDecoderLayer} (spec/INTERNVL.md §3.3): x += o_proj(attention of rotary(Q), rotary(K), V of
 * input_layernorm(x) under the mask); in a cross-attention layer's image pass, x += cross_attn(x, Z); x +=
 * down(SiLU(gate(b)) ⊙ up(b)) with b = post_attention_layernorm(x). No biases. q, k, v are read in one product of
 * their stacked weights, gate and up in another.
 */
final class QllamaLayer {
    private final int width;
    private final int heads;
    private final float scale;
    private final double ropeTheta;
    private final RmsNorm inputLayernorm; // [Dq]
    private final Linear qkv; // [3Dq, Dq]: q_proj | k_proj | v_proj
    private final Linear oProj; // [Dq, Dq]
    private final QllamaCrossAttention cross; // null in a layer without cross-attention, or when not loaded
    private final RmsNorm postAttentionLayernorm; // [Dq]
    private final Linear gateUp; // [2F, Dq]: gate_proj | up_proj
    private final Linear down; // [Dq, F]

    /** Layer {@code l}; its cross-attention is loaded only when {@code withCross} (the image pass needs it). */
    QllamaLayer(ModelWeights w, int l, InternvlConfig cfg, boolean withCross) {
        InternvlConfig.Qllama q = cfg.qllama();
        String name = "qllama.model.layers." + l;
        int d = q.width();
        this.width = d;
        this.heads = q.heads();
        this.scale = (float) (1.0 / Math.sqrt(q.headDim()));
        this.ropeTheta = q.ropeTheta();
        this.inputLayernorm = RmsNorm.load(w, name + ".input_layernorm.weight", d, q.eps());
        String a = name + ".self_attn.";
        this.qkv = new Linear(w.stacked(new String[] {a + "q_proj.weight", a + "k_proj.weight", a + "v_proj.weight"},
                d, d, d), null);
        this.oProj = new Linear(w.matrix(a + "o_proj.weight", d, d), null);
        this.cross = withCross && q.hasCrossAttention(l)
                ? new QllamaCrossAttention(w, name + ".cross_attn", cfg, "g/qllama.layer." + l + ".cross_attn.q")
                : null;
        this.postAttentionLayernorm = RmsNorm.load(w, name + ".post_attention_layernorm.weight", d, q.eps());
        String m = name + ".mlp.";
        this.gateUp = new Linear(w.stacked(new String[] {m + "gate_proj.weight", m + "up_proj.weight"}, d,
                q.mlp(), d), null);
        this.down = new Linear(w.matrix(m + "down_proj.weight", d, q.mlp()), null);
    }

    /** The cross-attention block, or null. */
    QllamaCrossAttention cross() {
        return cross;
    }

    /**
     * x [n, Dq] at rotary {@code positions} under {@code mask} → [n, Dq]. With {@code image} (the image pass of a
     * cross-attention layer), the query rows also attend to the image tokens' keys and values.
     */
    Tensor forward(Backend b, Tensor x, int[] positions, AttentionMask mask, CrossInput image, ActivationSink sink,
                   String key) {
        Tensor mixed = qkv.apply(b, inputLayernorm.apply(b, x)); // [n, 3Dq]
        Tensor q = b.rotary(b.sliceCols(mixed, 0, width), heads, positions, ropeTheta);
        Tensor k = b.rotary(b.sliceCols(mixed, width, 2 * width), heads, positions, ropeTheta);
        Tensor v = b.sliceCols(mixed, 2 * width, 3 * width);
        Tensor attn = oProj.apply(b, mask.attend(b, q, k, v, heads, scale)); // [n, Dq]
        sink.accept(key + ".self_attn", attn);
        x = b.add(attn, x);
        if (image != null && cross != null) {
            Tensor c = cross.forward(b, x, image.keys(), image.values(), image.queries(), image.tokens(), image.pbar(),
                    sink); // [n, Dq]
            sink.accept(key + ".cross_attn", c);
            x = b.add(c, x);
        }
        Tensor hidden = b.swiGlu(gateUp.apply(b, postAttentionLayernorm.apply(b, x))); // [n, F]
        x = b.linearResidual(hidden, down.weight(), null, x);
        sink.accept(key, x);
        return x;
    }

    /**
     * A cross-attention layer's image input: each image's keys and values [ΣT, Dq] ({@code tokens} segments), the
     * query rows' segments, and P̄ per image (null entries or a null array: unperturbed).
     */
    record CrossInput(Tensor keys, Tensor values, Segments queries, Segments tokens, Tensor[] pbar) {
    }
}
