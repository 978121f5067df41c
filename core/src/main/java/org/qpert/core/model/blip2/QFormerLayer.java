package org.qpert.core.model.blip2;

import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Tensor;
import org.qpert.core.model.ActivationSink;
import org.qpert.core.model.ModelWeights;

/**
 * {@code Blip2QFormerLayer}: self-attention over the whole sequence; then the query rows cross-attend to the image
 * (in cross-attention layers) and go through the query FFN, while text rows go through the text FFN.
 */
public final class QFormerLayer {
    private final String name;
    private final int index;
    private final QFormerAttention attention;
    private final QFormerAttention crossattention; // null in layers without cross-attention
    private final QFormerFeedForward textFeedForward; // null without use_qformer_text_input
    private final QFormerFeedForward queryFeedForward;

    QFormerLayer(ModelWeights w, QFormerConfig cfg, int index) {
        this.index = index;
        this.name = "qformer.encoder.layer." + index;
        this.attention = new QFormerAttention(w, name + ".attention", cfg, cfg.hiddenSize());
        this.crossattention = cfg.hasCrossAttention(index)
                ? new QFormerAttention(w, name + ".crossattention", cfg, cfg.encoderHiddenSize()) : null;
        this.textFeedForward = cfg.useQformerTextInput()
                ? new QFormerFeedForward(w, name + ".intermediate", name + ".output", cfg) : null;
        this.queryFeedForward = new QFormerFeedForward(w, name + ".intermediate_query", name + ".output_query", cfg);
    }

    /** The cross-attention block, or null when this layer has none. */
    public QFormerAttention crossattention() {
        return crossattention;
    }

    /**
     * x [S, H]: the items of {@code batch} stacked. In each item the query rows cross-attend to its image (in
     * cross-attention layers, perturbed by its P̄ if any) and go through the query FFN; text rows through the text FFN.
     */
    Tensor forward(Backend b, Tensor x, QFormerBatch batch, ActivationSink sink) {
        Tensor a = attention.selfAttention(b, x, batch.items(), batch.keyBias(), sink);
        Tensor out;
        if (batch.queryLength() > 0) {
            Tensor aq = batch.queryRowsOf(b, a); // [B·Nq, H]
            if (crossattention != null) {
                aq = crossattention.crossAttention(b, aq, batch.keys(b, index), batch.values(b, index),
                        batch.querySegments(), batch.keySegments(), batch.pbar(index), sink);
            }
            Tensor yq = queryFeedForward.forward(b, aq);
            out = batch.mixed() ? batch.merge(b, yq, text(b, batch.textRowsOf(b, a))) : yq;
        } else {
            out = text(b, a);
        }
        sink.accept(name, out);
        return out;
    }

    private Tensor text(Backend b, Tensor a) {
        if (textFeedForward == null) {
            throw new IllegalStateException("this checkpoint has no text FFN in " + name
                    + " (qformer_config.use_qformer_text_input is false): text embedding needs it");
        }
        return textFeedForward.forward(b, a);
    }
}
