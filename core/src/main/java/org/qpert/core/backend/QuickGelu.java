package org.qpert.core.backend;

/** CLIP's {@code quick_gelu}, {@code x·σ(1.702·x)}, in float32 as PyTorch computes it. */
public final class QuickGelu {
    private QuickGelu() {
    }

    public static final float ALPHA = 1.702f;

    public static float apply(float x) {
        return x * (float) (1.0 / (1.0 + Math.exp(-(double) (ALPHA * x))));
    }
}
