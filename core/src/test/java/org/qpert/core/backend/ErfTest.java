package org.qpert.core.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ErfTest {
    /** Against Commons Math's erf (regularized gamma, slow but accurate) on a dense grid: 2e-15 absolute. */
    @Test
    void matchesCommonsMathOnGrid() {
        double worst = 0;
        for (double x = -7; x <= 7; x += 0.001) {
            double ref = org.apache.commons.math3.special.Erf.erf(x);
            worst = Math.max(worst, Math.abs(Erf.erf(x) - ref));
        }
        assertEquals(0, worst, 2e-15, "max |erf - commons erf| over [-7, 7]");
    }

    @Test
    void knownValues() {
        assertEquals(0.8427007929497149, Erf.erf(1.0), 1e-16);
        assertEquals(-0.9953222650189527, Erf.erf(-2.0), 1e-16);
        assertEquals(0.0, Erf.erf(0.0), 0.0);
    }

    @Test
    void geluOfOneAndMinusOne() {
        assertEquals(0.8413447460685429, Gelu.apply(1f), 1e-7);
        assertEquals(-0.15865525393145707, Gelu.apply(-1f), 1e-7);
    }
}
