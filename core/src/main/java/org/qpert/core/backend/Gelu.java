package org.qpert.core.backend;

/** Exact GELU, {@code 0.5·x·(1 + erf(x/√2))}, with an erf accurate to double rounding (the tanh form is wrong here). */
public final class Gelu {
    private Gelu() {
    }

    private static final double INV_SQRT2 = 0.70710678118654752440;

    public static float apply(float x) {
        return (float) (0.5 * x * (1.0 + Erf.erf(x * INV_SQRT2)));
    }
}
