package org.qpert.core.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class KernelsTest {

    @Test
    void picksVectorKernelsWhenTheModuleIsInTheBootLayer() {
        // Surefire runs with --add-modules jdk.incubator.vector (parent pom).
        assertTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent());
        assertTrue(Kernels.best().describe().startsWith("vector"), Kernels.best().describe());
    }

    @Test
    void qpertScalarPropertyForcesTheFallback() {
        String old = System.getProperty("qpert.scalar");
        try {
            System.setProperty("qpert.scalar", "true");
            assertTrue(Kernels.best().describe().startsWith("scalar"), Kernels.best().describe());
        } finally {
            if (old == null) {
                System.clearProperty("qpert.scalar");
            } else {
                System.setProperty("qpert.scalar", old);
            }
        }
    }

    @Test
    void packingRoundTripsAndZeroPadsThePartialPanel() {
        int n = 5, k = 3, nr = 4;
        float[] w = new float[n * k];
        for (int i = 0; i < w.length; i++) {
            w[i] = i + 1;
        }
        float[] packed = new float[Packing.packedSize(k, n, nr)];
        Packing.packTransposed(w, 0, k, n, k, nr, packed);
        assertEquals(2 * nr * k, packed.length);
        // panel 0, row p=1: W[0..3][1] = 2, 5, 8, 11
        assertEquals(2f, packed[nr]);
        assertEquals(11f, packed[nr + 3]);
        // panel 1 holds column 4 only; the three padding columns are zero
        assertEquals(13f, packed[nr * k]);
        assertEquals(0f, packed[nr * k + 1]);
        assertEquals(java.util.Arrays.toString(w), java.util.Arrays.toString(Packing.unpackTransposed(packed, n, k, nr)));
    }
}
