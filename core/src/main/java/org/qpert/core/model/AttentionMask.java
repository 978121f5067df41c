package org.qpert.core.model;

import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Tensor;

/**
 * What a self-attention may not see: future tokens ({@code causal}, CLIP's text tower) and padding keys
 * ({@code keyBias} [T], additive, e.g. float32's minimum as HF writes it), or nothing ({@link #NONE}).
 */
public record AttentionMask(boolean causal, float[] keyBias) {
    public static final AttentionMask NONE = new AttentionMask(false, null);

    /** Causal, with padding keys where {@code attentionMask[j] == 0} (HF adds float32's minimum there). */
    public static AttentionMask causalWithPadding(int[] attentionMask) {
        float[] bias = new float[attentionMask.length];
        for (int j = 0; j < bias.length; j++) {
            bias[j] = attentionMask[j] == 0 ? -Float.MAX_VALUE : 0f;
        }
        return new AttentionMask(true, bias);
    }

    /** Softmax attention of q on k, v [T, H·d] under this mask. */
    public Tensor attend(Backend b, Tensor q, Tensor k, Tensor v, int heads, float scale) {
        return causal ? b.causalAttention(q, k, v, heads, scale, keyBias) : b.attention(q, k, v, heads, scale, keyBias);
    }
}
