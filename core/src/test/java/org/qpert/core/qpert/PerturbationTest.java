package org.qpert.core.qpert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PerturbationTest {

    @Test
    void publishedSettings() {
        Perturbation p = Perturbation.published();
        assertEquals(8, p.alpha());
        assertEquals(0.99, p.tau());
        assertEquals(WeightType.CONSTANT, p.weightType());
        assertEquals(CoverageMode.MASK_RESIZE, p.coverage());
        assertFalse(p.isOff());
        assertArrayEquals(new int[] {0, 2, 4, 6, 8, 10}, p.resolveLayers(new int[] {0, 2, 4, 6, 8, 10}));
        assertTrue(Perturbation.none().isOff());
    }

    @Test
    void tauMustBeAFractionOrAnInteger() {
        assertEquals(3, Perturbation.published().withTau(3).fixedBasisCount());
        assertEquals(0, Perturbation.published().fixedBasisCount());
        for (double bad : new double[] {0, -1, 1.5, Double.NaN, Double.POSITIVE_INFINITY, 1e12}) {
            assertThrows(IllegalArgumentException.class, () -> Perturbation.published().withTau(bad), "tau " + bad);
        }
        assertThrows(IllegalArgumentException.class, () -> Perturbation.published().withAlpha(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Perturbation.published().withAlpha(-3));
        assertThrows(IllegalArgumentException.class, () -> Perturbation.published().withAlpha(0));
    }

    @Test
    void layersAreSortedDeduplicatedAndChecked() {
        assertArrayEquals(new int[] {2, 4}, Perturbation.published().withLayers(4, 2, 4).resolveLayers(new int[] {0, 2, 4}));
        assertThrows(IllegalArgumentException.class, () -> Perturbation.published().withLayers(-1));
        assertThrows(IllegalArgumentException.class,
                () -> Perturbation.published().withLayers(3).resolveLayers(new int[] {0, 2, 4}));
    }

    @Test
    void objectWeightsOfAllSixTypes() {
        double a = 0.2, alpha = 8;
        assertEquals(8, WeightType.CONSTANT.weight(alpha, a), 1e-12);
        assertEquals(1.6, WeightType.NORM_AREA.weight(alpha, a), 1e-12);
        assertEquals(-1.6, WeightType.NORM_AREA_INV.weight(alpha, a), 1e-12);
        assertEquals(6.4, WeightType.ONE_MINUS_AREA.weight(alpha, a), 1e-12);
        assertEquals(-2.4, WeightType.CENTERED_AREA.weight(alpha, a), 1e-12);
        assertEquals(2.4, WeightType.CENTERED_AREA_INV.weight(alpha, a), 1e-12);
    }

    @Test
    void imageObjectsUseTheClippedArea() {
        Perturbation p = Perturbation.published().withWeightType(WeightType.NORM_AREA).withAlpha(4);
        ImageObject o = ImageObject.of(java.util.List.of(new Box(-100, 0, 200, 100)), 200, 400, 224, 14, p).get(0);
        assertEquals(0.25, o.area(), 1e-12);
        assertEquals(1.0, o.weight(), 1e-12);
        assertEquals(new Box(0, 0, 200, 100), o.box());
        assertTrue(o.coversAnyToken());
    }
}
