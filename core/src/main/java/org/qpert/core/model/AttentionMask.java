package org.qpert.core.model;

import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Segments;
import org.qpert.core.backend.Tensor;

/**
 * What a self-attention may not see: future tokens ({@code causal}, CLIP's text tower), padding keys
 * ({@code keyBias} [T], additive, e.g. float32's minimum as HF writes it), the other items of a stacked batch
 * ({@code items}: each segment attends only to itself), or nothing ({@link #NONE}).
 */
public record AttentionMask(boolean causal, float[] keyBias, Segments items) {
    public static final AttentionMask NONE = new AttentionMask(false, null, null);

    public AttentionMask {
        if (causal && items != null) {
            throw new IllegalArgumentException("causal attention over a stacked batch is not supported");
        }
    }

    /** Causal, with padding keys where {@code attentionMask[j] == 0} (HF adds float32's minimum there). */
    public static AttentionMask causalWithPadding(int[] attentionMask) {
        float[] bias = new float[attentionMask.length];
        for (int j = 0; j < bias.length; j++) {
            bias[j] = attentionMask[j] == 0 ? -Float.MAX_VALUE : 0f;
        }
        return new AttentionMask(true, bias, null);
    }

    /** Items stacked as {@code items} (e.g. B images of T tokens), each attending to all of its own tokens. */
    public static AttentionMask within(Segments items) {
        return new AttentionMask(false, null, items);
    }

    /** Softmax attention of q on k, v [T, H·d] (or the stacked [ΣT, H·d]) under this mask. */
    public Tensor attend(Backend b, Tensor q, Tensor k, Tensor v, int heads, float scale) {
        if (items != null) {
            Tensor bias = keyBias == null ? null : b.upload(keyBias, 1, keyBias.length);
            return b.attention(q, k, v, heads, scale, items, items, bias);
        }
        return causal ? b.causalAttention(q, k, v, heads, scale, keyBias) : b.attention(q, k, v, heads, scale, keyBias);
    }
}
