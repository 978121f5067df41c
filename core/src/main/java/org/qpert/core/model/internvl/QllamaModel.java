package org.qpert.core.model.internvl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Segments;
import org.qpert.core.backend.Tensor;
import org.qpert.core.backend.TensorScope;
import org.qpert.core.model.ActivationSink;
import org.qpert.core.model.AttentionMask;
import org.qpert.core.model.ModelWeights;

/**
 * QLLaMA ({@code qllama.model.*}, spec/INTERNVL.md §3.3–3.4): the decoder layers and the final {@code norm}, run two
 * ways. The text pass embeds token ids under a causal + padding mask. The image pass (InternVL-G) runs the
 * {@code query_tokens} of each image, bidirectional among themselves, with cross-attention to the image's tokens in
 * every cross-attention layer. {@code lm_head} is not loaded: retrieval does not use it.
 */
final class QllamaModel {
    private final InternvlConfig.Qllama cfg;
    private final Tensor embedTokens; // [V, Dq]
    private final List<QllamaLayer> layers = new ArrayList<>();
    private final RmsNorm norm; // [Dq]
    private final Tensor queryTokens; // [Nq, Dq], or null without the image pass
    private final int queries;

    /** The text path always; the image pass's query tokens and cross-attention only {@code withImagePass}. */
    QllamaModel(ModelWeights w, InternvlConfig cfg, boolean withImagePass) {
        this.cfg = cfg.qllama();
        int d = this.cfg.width();
        this.queries = cfg.queries();
        this.embedTokens = w.table("qllama.model.embed_tokens.weight", this.cfg.vocab(), d);
        for (int l = 0; l < this.cfg.layers(); l++) {
            layers.add(new QllamaLayer(w, l, cfg, withImagePass));
        }
        this.norm = RmsNorm.load(w, "qllama.model.norm.weight", d, this.cfg.eps());
        this.queryTokens = withImagePass ? w.table("query_tokens", queries, d, 1, queries, d) : null;
    }

    /** The cross-attention of layer {@code l} (a layer with cross-attention, image pass loaded). */
    QllamaCrossAttention cross(int l) {
        return layers.get(l).cross();
    }

    /**
     * The final state [1, Dq] at the pooling index of one row of ids (token 0 is padding, wherever it is): the state
     * at (count of non-zero ids) − 1, the EOS of a right-padded row. Causal attention means the rows after it change
     * nothing, so only rows 0..index run; with a capturing sink every row runs, as the reference does.
     */
    Tensor text(Backend b, int[] ids, ActivationSink sink) {
        if (ids.length == 0) {
            throw new IllegalArgumentException("an InternVL text has at least one token id");
        }
        int keep = 0;
        for (int id : ids) {
            if (id < 0 || id >= cfg.vocab()) {
                throw new IllegalArgumentException("token id " + id + " outside QLLaMA's vocabulary of "
                        + cfg.vocab());
            }
            keep += id > 0 ? 1 : 0;
        }
        if (keep == 0) {
            throw new IllegalArgumentException("an InternVL text needs a non-padding token (all " + ids.length
                    + " ids are 0)");
        }
        int index = keep - 1;
        int n = sink.active() ? ids.length : index + 1;
        int[] rows = Arrays.copyOf(ids, n), positions = new int[n], mask = new int[n];
        for (int p = 0; p < n; p++) {
            positions[p] = p;
            mask[p] = rows[p] > 0 ? 1 : 0;
        }
        try (TensorScope scope = TensorScope.open()) {
            Tensor x = b.gatherRows(embedTokens, rows); // [n, Dq]
            sink.accept("text/embed_tokens", x);
            AttentionMask causal = AttentionMask.causalWithPadding(mask);
            for (int l = 0; l < layers.size(); l++) {
                x = layers.get(l).forward(b, x, positions, causal, null, sink, "text/qllama.layer." + l);
            }
            x = norm.apply(b, x);
            sink.accept("text/qllama.norm", x);
            Tensor pooled = b.sliceRows(x, index, index + 1); // [1, Dq]
            sink.accept("text/pooled", pooled);
            return scope.keep(pooled);
        }
    }

    /**
     * The image pass of B images: the query tokens [B·Nq, Dq] through every layer, bidirectional within an image,
     * cross-attending in layer l to {@code kv[l]} (keys and values [B·T, Dq] of every image, {@code tokens}
     * segments; null in a layer without cross-attention) with P̄ {@code pbar[l]} per image (null: none) → the final
     * states Y [B·Nq, Dq].
     */
    Tensor images(Backend b, int images, Tensor[][] kv, Segments tokens, Tensor[][] pbar, ActivationSink sink) {
        if (queryTokens == null) {
            throw new IllegalStateException("QLLaMA's image pass is not loaded (an InternVL-C model)");
        }
        Segments querySegments = Segments.uniform(images, queries);
        int[] positions = new int[images * queries];
        for (int i = 0; i < positions.length; i++) {
            positions[i] = i % queries;
        }
        Tensor x = images == 1 ? queryTokens : b.concatRows(Collections.nCopies(images, queryTokens));
        sink.accept("g/query_embeds", x);
        AttentionMask within = AttentionMask.within(querySegments);
        for (int l = 0; l < layers.size(); l++) {
            QllamaLayer.CrossInput input = kv[l] == null ? null
                    : new QllamaLayer.CrossInput(kv[l][0], kv[l][1], querySegments, tokens, pbar[l]);
            x = layers.get(l).forward(b, x, positions, within, input, sink, "g/qllama.layer." + l);
        }
        x = norm.apply(b, x);
        sink.accept("g/qllama.norm", x);
        return x;
    }
}
