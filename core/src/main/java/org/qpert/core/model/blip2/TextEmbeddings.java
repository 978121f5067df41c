package org.qpert.core.model.blip2;

import java.util.List;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Tensor;
import org.qpert.core.model.LayerNorm;
import org.qpert.core.model.ModelWeights;

/** {@code Blip2TextEmbeddings} (top-level {@code embeddings}): word + absolute position embeddings, no LayerNorm. */
final class TextEmbeddings {
    private final Tensor wordEmbeddings; // [V, H]
    private final Tensor positionEmbeddings; // [P, H]

    TextEmbeddings(ModelWeights w, QFormerConfig cfg) {
        this.wordEmbeddings = w.table("embeddings.word_embeddings.weight", cfg.vocabSize(), cfg.hiddenSize());
        this.positionEmbeddings = w.table("embeddings.position_embeddings.weight", cfg.maxPositionEmbeddings(),
                cfg.hiddenSize());
    }

    /** Captions ids [L_i] stacked → [ΣL_i, H]; positions start at 0 in each caption, also when queries are prepended. */
    Tensor forward(Backend b, List<int[]> ids) {
        int total = 0;
        for (int[] caption : ids) {
            total = Math.addExact(total, caption.length);
        }
        int[] words = new int[total], positions = new int[total];
        int at = 0;
        for (int c = 0; c < ids.size(); c++) {
            int[] caption = ids.get(c);
            String item = ids.size() == 1 ? "" : "caption " + c + ": ";
            if (caption.length == 0) {
                throw new IllegalArgumentException(item + "empty token sequence");
            }
            if (caption.length > positionEmbeddings.rows()) {
                throw new IllegalArgumentException(item + caption.length + " tokens exceed max_position_embeddings "
                        + positionEmbeddings.rows());
            }
            for (int i = 0; i < caption.length; i++) {
                if (caption[i] < 0 || caption[i] >= wordEmbeddings.rows()) {
                    throw new IllegalArgumentException(item + "token id " + caption[i] + " at position " + i
                            + " is outside the vocabulary of " + wordEmbeddings.rows());
                }
                words[at] = caption[i];
                positions[at++] = i;
            }
        }
        return b.add(b.gatherRows(wordEmbeddings, words), b.gatherRows(positionEmbeddings, positions));
    }
}
