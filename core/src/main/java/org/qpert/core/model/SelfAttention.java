package org.qpert.core.model;

import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Tensor;

/** The attention block of an {@link EncoderLayer}: EVA's fused qkv (BLIP-2's {@code VisionAttention}) or CLIP's ({@link ClipAttention}). */
public interface SelfAttention {

    /** h [T, D] (already layer-normed) → attention output after the output projection [T, D], before the residual. */
    Tensor forward(Backend b, Tensor h, AttentionMask mask, ActivationSink sink, String name);
}
