package org.qpert.core.model;

import org.qpert.core.backend.Backend;
import org.qpert.core.backend.Tensor;

/** The MLP activation of a transformer layer, by its HF {@code hidden_act} name. */
public enum Activation {
    /** Exact erf GELU (BLIP-2's EVA ViT and Q-Former). */
    GELU("gelu"),
    /** {@code x·σ(1.702·x)} (CLIP, OWLv2). */
    QUICK_GELU("quick_gelu");

    private final String hfName;

    Activation(String hfName) {
        this.hfName = hfName;
    }

    /** The activation named {@code name}; {@code field} names the config key in the error for any other name. */
    public static Activation of(String field, String name) {
        for (Activation a : values()) {
            if (a.hfName.equals(name)) {
                return a;
            }
        }
        throw new IllegalArgumentException(field + " '" + name + "' is not supported (only 'gelu' and 'quick_gelu')");
    }

    /** {@code act(x·Wᵀ + b)} in one backend op. */
    public Tensor linear(Backend b, Tensor x, Linear fc) {
        return this == GELU ? b.linearGelu(x, fc.weight(), fc.bias()) : b.linearQuickGelu(x, fc.weight(), fc.bias());
    }
}
