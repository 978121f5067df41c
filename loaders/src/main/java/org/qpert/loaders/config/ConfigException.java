package org.qpert.loaders.config;

/** A {@code config.json} is malformed or holds a value qpert cannot use; the message names the file and field. */
public final class ConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
