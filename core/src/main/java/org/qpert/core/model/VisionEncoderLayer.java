package org.qpert.core.model;

import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Segments;
import org.qpert.core.backend.Tensor;

/** {@code Blip2EncoderLayer}: pre-LN attention and MLP blocks with residuals. */
final class VisionEncoderLayer {
    private final String name;
    private final LayerNorm layerNorm1;
    private final VisionAttention selfAttn;
    private final LayerNorm layerNorm2;
    private final Linear fc1; // [I, D]
    private final Linear fc2; // [D, I]

    VisionEncoderLayer(ModelWeights w, VisionConfig cfg, int index) {
        this.name = "vision_model.encoder.layers." + index;
        int d = cfg.hiddenSize(), inter = cfg.intermediateSize();
        this.layerNorm1 = LayerNorm.load(w, name + ".layer_norm1", d, cfg.layerNormEps());
        this.selfAttn = new VisionAttention(w, name + ".self_attn", cfg);
        this.layerNorm2 = LayerNorm.load(w, name + ".layer_norm2", d, cfg.layerNormEps());
        this.fc1 = Linear.load(w, name + ".mlp.fc1", inter, d);
        this.fc2 = Linear.load(w, name + ".mlp.fc2", d, inter);
    }

    /** x [B·T, D], images stacked as {@code images} → [B·T, D]. */
    Tensor forward(Backend b, Tensor x, Segments images, ActivationSink sink) {
        Tensor attn = selfAttn.forward(b, layerNorm1.apply(b, x), images, sink, name + ".self_attn");
        sink.accept(name + ".self_attn", attn);
        x = b.add(attn, x);
        Tensor hidden = b.linearGelu(layerNorm2.apply(b, x), fc1.weight(), fc1.bias()); // [T, I]
        x = b.linearResidual(hidden, fc2.weight(), fc2.bias(), x);
        sink.accept(name, x);
        return x;
    }
}
