package org.qpert.core.model;

/** Argument checks shared by the config records. */
public final class ModelConfigs {
    private ModelConfigs() {
    }

    public static void positive(String field, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be positive, got " + value);
        }
    }

    public static void requireGelu(String field, String act) {
        if (!"gelu".equals(act)) {
            throw new IllegalArgumentException(field + " '" + act + "' is not supported (only exact erf 'gelu')");
        }
    }
}
