package org.qpert.core.model;

import org.qpert.core.backend.Tensor;

/**
 * Receives intermediate tensors under their Hugging Face module names (e.g. {@code qformer.encoder.layer.0.attention}),
 * so a port can be compared stage by stage with activations hooked in PyTorch. {@link #NONE} costs nothing.
 */
@FunctionalInterface
public interface ActivationSink {
    ActivationSink NONE = (name, t) -> { };

    void accept(String name, Tensor t);

    default boolean active() {
        return this != NONE;
    }
}
