package org.qpert.core.model;

import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Tensor;

/** {@code Blip2TextEmbeddings} (top-level {@code embeddings}): word + absolute position embeddings, no LayerNorm. */
final class TextEmbeddings {
    private final Tensor wordEmbeddings; // [V, H]
    private final Tensor positionEmbeddings; // [P, H]

    TextEmbeddings(ModelWeights w, QFormerConfig cfg) {
        this.wordEmbeddings = w.table("embeddings.word_embeddings.weight", cfg.vocabSize(), cfg.hiddenSize());
        this.positionEmbeddings = w.table("embeddings.position_embeddings.weight", cfg.maxPositionEmbeddings(),
                cfg.hiddenSize());
    }

    /** ids [L] → [L, H]; positions start at 0 also when queries are prepended. */
    Tensor forward(Backend b, int[] ids) {
        if (ids.length == 0) {
            throw new IllegalArgumentException("empty token sequence");
        }
        if (ids.length > positionEmbeddings.rows()) {
            throw new IllegalArgumentException(ids.length + " tokens exceed max_position_embeddings "
                    + positionEmbeddings.rows());
        }
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= wordEmbeddings.rows()) {
                throw new IllegalArgumentException("token id " + ids[i] + " at position " + i
                        + " is outside the vocabulary of " + wordEmbeddings.rows());
            }
        }
        return b.add(b.gatherRows(wordEmbeddings, ids), b.sliceRows(positionEmbeddings, 0, ids.length));
    }
}
