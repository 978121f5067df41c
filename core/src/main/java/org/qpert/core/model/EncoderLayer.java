package org.qpert.core.model;

import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Tensor;

/**
 * A pre-LN transformer layer ({@code Blip2EncoderLayer}, {@code CLIPEncoderLayer}, {@code Owlv2EncoderLayer}):
 * {@code x += self_attn(layer_norm1(x))}, {@code x += mlp.fc2(act(mlp.fc1(layer_norm2(x))))}.
 */
public final class EncoderLayer {
    private final String name;
    private final LayerNorm layerNorm1;
    private final SelfAttention selfAttn;
    private final LayerNorm layerNorm2;
    private final Linear fc1; // [I, D]
    private final Linear fc2; // [D, I]
    private final Activation act;

    /** Loads {@code name.layer_norm1|layer_norm2|mlp.fc1|mlp.fc2}; the attention is loaded by the caller. */
    public EncoderLayer(ModelWeights w, String name, int width, int intermediate, double eps, SelfAttention selfAttn,
                 Activation act) {
        this.name = name;
        this.layerNorm1 = LayerNorm.load(w, name + ".layer_norm1", width, eps);
        this.selfAttn = selfAttn;
        this.layerNorm2 = LayerNorm.load(w, name + ".layer_norm2", width, eps);
        this.fc1 = Linear.load(w, name + ".mlp.fc1", intermediate, width);
        this.fc2 = Linear.load(w, name + ".mlp.fc2", width, intermediate);
        this.act = act;
    }

    /** x [T, D] → [T, D]; the layer's output goes to the sink under its name. */
    public Tensor forward(Backend b, Tensor x, AttentionMask mask, ActivationSink sink) {
        Tensor attn = selfAttn.forward(b, layerNorm1.apply(b, x), mask, sink, name + ".self_attn");
        sink.accept(name + ".self_attn", attn);
        x = b.add(attn, x);
        Tensor hidden = act.linear(b, layerNorm2.apply(b, x), fc1); // [T, I]
        x = b.linearResidual(hidden, fc2.weight(), fc2.bias(), x);
        sink.accept(name, x);
        return x;
    }
}
