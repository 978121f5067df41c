package org.qpert.core.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** float → F16 rounding: exact on every F16 value, nearest (ties to even) elsewhere, overflow and underflow. */
class HalfTest {
    @Test
    void everyF16ValueRoundTrips() {
        for (int bits = 0; bits < 0x10000; bits++) {
            float f = Half.f16ToFloat(bits);
            short back = Half.floatToF16(f);
            if (Float.isNaN(f)) {
                assertTrue(Float.isNaN(Half.f16ToFloat(back)), "NaN " + Integer.toHexString(bits));
            } else {
                assertEquals(bits, back & 0xffff, "bits " + Integer.toHexString(bits));
            }
        }
    }

    @Test
    void roundsToTheNearestF16TiesToEven() {
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 200_000; i++) {
            // Magnitudes from 2^-28 (below the subnormals) to 2^17 (beyond the largest F16, 65504).
            float x = (float) ((r.nextBoolean() ? 1 : -1) * Math.pow(2, r.nextDouble(-28, 17)));
            int h = Half.floatToF16(x) & 0xffff;
            double err = Math.abs((double) Half.f16ToFloat(h) - x);
            if (Math.abs(x) >= 65520f) { // at or beyond half an ulp over the largest finite value
                assertEquals(0x7c00, h & 0x7fff, "overflow of " + x);
                continue;
            }
            for (int neighbour : new int[] {h - 1, h + 1}) {
                if ((neighbour & 0x7fff) < 0x7c00 && (neighbour & 0x8000) == (h & 0x8000)) {
                    double other = Math.abs((double) Half.f16ToFloat(neighbour) - x);
                    assertTrue(err < other || err == other && (h & 1) == 0, x + " -> " + Integer.toHexString(h));
                }
            }
        }
        assertEquals(0x3c00, Half.floatToF16(1f + 0x1p-11f) & 0xffff, "a tie goes to the even mantissa");
        assertEquals(0x3c02, Half.floatToF16(1f + 3 * 0x1p-11f) & 0xffff, "a tie goes to the even mantissa");
        assertEquals(0x0001, Half.floatToF16(0x1p-24f) & 0xffff, "smallest subnormal");
        assertEquals(0x0000, Half.floatToF16(0x1p-25f) & 0xffff, "half of it ties to zero");
        assertEquals(0x8000, Half.floatToF16(-0x1p-30f) & 0xffff, "signed zero");
        assertEquals(0x7bff, Half.floatToF16(65504f) & 0xffff, "largest finite");
    }
}
