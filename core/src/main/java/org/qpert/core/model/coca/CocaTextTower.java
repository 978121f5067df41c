package org.qpert.core.model.coca;

import java.util.ArrayList;
import java.util.List;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Tensor;
import org.qpert.core.backend.TensorScope;
import org.qpert.core.model.ActivationSink;
import org.qpert.core.model.AttentionMask;
import org.qpert.core.model.LayerNorm;
import org.qpert.core.model.Linear;
import org.qpert.core.model.ModelWeights;
import org.qpert.core.model.Transposed;

/**
 * open_clip's CoCa text tower ({@code text.*}, spec/COCA.md §5.2): token embeddings, {@code cls_emb} appended as row
 * C, positions, the causal blocks under open_clip's legacy padding mask shifted by one (column j ≥ 1 closed where
 * id[j − 1] = 0, by the id, not the length), then {@code ln_final} on the cls row only and {@code text_projection}
 * (stored [in, out], used as x·P).
 *
 * <p>Only the rows the cls row can see are computed: tokens 0..L where L is the position after the last non-zero id
 * (the first pad, which the mask leaves open), then the cls row at position C. Causal attention means no earlier row
 * reads a later one, and every column of the rows left out is closed to the cls row, so its result is the same as over
 * all C + 1 positions (up to the summation order of exact zeros). With an activation sink that captures, every
 * position is computed, as the reference does, so that all rows can be compared.
 */
final class CocaTextTower {
    private final CocaConfig.Text cfg;
    private final Tensor tokenEmbedding; // [V, W]
    private final Tensor clsEmb; // [1, W]
    private final Tensor positionalEmbedding; // [C + 1, W]
    private final List<OpenClipBlock> blocks = new ArrayList<>();
    private final LayerNorm lnFinal;
    private final Linear textProjection; // [E, W] (the stored [W, E] transposed)

    CocaTextTower(ModelWeights w, CocaConfig cfg) {
        this.cfg = cfg.text();
        int width = this.cfg.width(), c = this.cfg.context();
        this.tokenEmbedding = w.table("text.token_embedding.weight", this.cfg.vocab(), width);
        this.clsEmb = w.table("text.cls_emb", 1, width, width);
        this.positionalEmbedding = w.table("text.positional_embedding", c + 1, width);
        for (int l = 0; l < this.cfg.layers(); l++) {
            blocks.add(new OpenClipBlock(w, "text.transformer.resblocks." + l, width, this.cfg.heads(),
                    this.cfg.mlp()));
        }
        this.lnFinal = LayerNorm.load(w, "text.ln_final", width, CocaConfig.EPS);
        this.textProjection = new Linear(Transposed.weight(w, "text.text_projection", width, cfg.embedDim()), null);
    }

    /** The unnormalized text latent [1, E] of one row of ids (at most C; shorter rows count as padded with 0). */
    Tensor forward(Backend b, int[] ids, ActivationSink sink) {
        int c = cfg.context();
        if (ids.length == 0 || ids.length > c) {
            throw new IllegalArgumentException("a CoCa text has 1 to " + c + " token ids, got " + ids.length);
        }
        for (int id : ids) {
            if (id < 0 || id >= cfg.vocab()) {
                throw new IllegalArgumentException("token id " + id + " outside the vocabulary of " + cfg.vocab());
            }
        }
        int[] padded = java.util.Arrays.copyOf(ids, c);
        int last = c - 1;
        while (last >= 0 && padded[last] == 0) {
            last--;
        }
        int kept = sink.active() ? c : Math.min(c, last + 2); // tokens 0..L with L = last + 1 (the first pad)
        int[] rows = java.util.Arrays.copyOf(padded, kept);
        int[] positions = new int[kept + 1];
        for (int p = 0; p < kept; p++) {
            positions[p] = p;
        }
        positions[kept] = c; // the cls row keeps its own position
        float[] keyBias = new float[kept + 1];
        for (int j = 1; j <= kept; j++) {
            int column = positions[j]; // closed where the id before this position is 0
            keyBias[j] = padded[column - 1] == 0 ? Float.NEGATIVE_INFINITY : 0f;
        }
        try (TensorScope scope = TensorScope.open()) {
            Tensor x = b.concatRows(b.gatherRows(tokenEmbedding, rows), clsEmb);
            x = b.add(x, b.gatherRows(positionalEmbedding, positions));
            sink.accept("text/embeddings", x);
            if (sink.active()) {
                sink.accept("text/attn_mask", b.upload(mask(keyBias), kept + 1, kept + 1));
            }
            AttentionMask mask = new AttentionMask(true, keyBias, null);
            for (int l = 0; l < blocks.size(); l++) {
                x = blocks.get(l).forward(b, x, mask, sink, "text/resblocks." + l);
            }
            if (sink.active()) {
                sink.accept("text/token_embs", b.sliceRows(x, 0, kept));
            }
            Tensor pooled = lnFinal.apply(b, b.sliceRows(x, kept, kept + 1));
            sink.accept("text/ln_final", pooled);
            Tensor latent = textProjection.apply(b, pooled);
            sink.accept("text/text_latent", latent);
            return scope.keep(latent);
        }
    }

    /** The additive mask [n, n] as the reference passes it: causal plus the closed columns. */
    private static float[] mask(float[] keyBias) {
        int n = keyBias.length;
        float[] m = new float[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                m[i * n + j] = j > i ? Float.NEGATIVE_INFINITY : keyBias[j];
            }
        }
        return m;
    }
}
