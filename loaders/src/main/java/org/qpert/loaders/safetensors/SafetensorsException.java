package org.qpert.loaders.safetensors;

/**
 * A safetensors file, shard index or tensor request is invalid. Unchecked (an {@link IllegalArgumentException}, as
 * {@link org.qpert.core.model.WeightSource} promises); real I/O failures stay {@link java.io.IOException}s. The
 * message always names the file and, where one is involved, the tensor.
 */
public final class SafetensorsException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public SafetensorsException(String message) {
        super(message);
    }

    public SafetensorsException(String message, Throwable cause) {
        super(message, cause);
    }
}
