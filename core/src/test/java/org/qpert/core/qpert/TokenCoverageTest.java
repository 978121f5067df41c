package org.qpert.core.qpert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TokenCoverageTest {
    private static final Path CASES = Path.of("../testdata/parity/inputs/token_weights.json");
    /** spec/QPERT.md §3: a float32 boundary case may flip one row or column of a patch. */
    private static final double BOUNDARY_TOLERANCE = 1.0 / 196;
    /** The fixture is rounded to 7 decimals; anything further apart counts as a difference. */
    private static final double ROUNDING = 6e-8;

    @Test
    void knownValuesOfTheSpec() {
        Box box = new Box(20, 150, 370, 220);
        float[] w364 = TokenCoverage.weights(box, 400, 400, 364, 14, CoverageMode.MASK_RESIZE);
        assertEquals(144, nonZero(w364));
        assertEquals(105.790817, sum(w364), 1e-5);
        float[] w224 = TokenCoverage.weights(box, 400, 400, 224, 14, CoverageMode.MASK_RESIZE);
        assertEquals(45, nonZero(w224));
        assertEquals(39.0, sum(w224), 1e-5);
        assertEquals(0f, w224[0], "CLS never counts");
    }

    @Test
    void everyFixtureCaseMatchesOrIsRejectedAsInverted() throws IOException {
        JsonArray cases = JsonParser.parseString(Files.readString(CASES)).getAsJsonArray();
        int compared = 0, rejected = 0, differingCases = 0, differingWeights = 0;
        double worst = 0;
        for (JsonElement e : cases) {
            JsonObject c = e.getAsJsonObject();
            JsonArray b = c.getAsJsonArray("box_xyxy");
            double x0 = b.get(0).getAsDouble(), y0 = b.get(1).getAsDouble();
            double x1 = b.get(2).getAsDouble(), y1 = b.get(3).getAsDouble();
            if (x1 < x0 || y1 < y0) {
                // The generator's numpy slicing reads negative ends from the far side; qpert rejects such boxes.
                assertThrows(IllegalArgumentException.class, () -> new Box(x0, y0, x1, y1));
                rejected++;
                continue;
            }
            float[] got = TokenCoverage.weights(new Box(x0, y0, x1, y1), c.get("height").getAsInt(),
                    c.get("width").getAsInt(), c.get("image_size").getAsInt(), c.get("patch").getAsInt(),
                    CoverageMode.MASK_RESIZE);
            JsonArray want = c.getAsJsonArray("weights");
            assertEquals(want.size(), got.length, "token count of case " + compared);
            boolean differs = false;
            for (int t = 0; t < got.length; t++) {
                double diff = Math.abs(got[t] - want.get(t).getAsDouble());
                worst = Math.max(worst, diff);
                assertTrue(diff <= BOUNDARY_TOLERANCE + ROUNDING, "case " + c + " token " + t + ": got " + got[t]);
                if (diff > ROUNDING) {
                    differingWeights++;
                    differs = true;
                }
            }
            differingCases += differs ? 1 : 0;
            compared++;
        }
        System.out.printf("token_weights.json: %d cases compared, %d inverted boxes rejected, %d cases (%d weights)"
                + " differ beyond rounding, largest difference %.3g%n", compared, rejected, differingCases,
                differingWeights, worst);
        assertEquals(cases.size(), compared + rejected);
        assertTrue(compared >= 190, "most cases must be compared, got " + compared);
    }

    @Test
    void exactAreaGivesOverlapFractions() {
        // 280 x 280 image at S = 28, p = 14: two patches per side, each 140 px in the original.
        float[] w = TokenCoverage.weights(new Box(70, 0, 210, 140), 280, 280, 28, 14, CoverageMode.EXACT_AREA);
        assertEquals(0f, w[0]);
        assertEquals(0.5f, w[1], 1e-6);
        assertEquals(0.5f, w[2], 1e-6);
        assertEquals(0f, w[3]);
        assertEquals(0f, w[4]);
    }

    @Test
    void exactAreaNeverVanishesWhereMaskResizeDoes() {
        // A box of one pixel in a 1000-pixel image falls between the rows MASK_RESIZE samples at S = 56.
        Box thin = new Box(100, 100, 101, 101);
        assertEquals(0, nonZero(TokenCoverage.weights(thin, 1000, 1000, 56, 14, CoverageMode.MASK_RESIZE)));
        float[] exact = TokenCoverage.weights(thin, 1000, 1000, 56, 14, CoverageMode.EXACT_AREA);
        assertEquals(1, nonZero(exact));
        assertEquals(1.0 / (250 * 250), sum(exact), 1e-9);
    }

    @Test
    void boxReachingBeyondTheImageIsClipped() {
        float[] clipped = TokenCoverage.weights(new Box(-50, -50, 200, 200), 400, 400, 224, 14, CoverageMode.MASK_RESIZE);
        float[] inside = TokenCoverage.weights(new Box(0, 0, 200, 200), 400, 400, 224, 14, CoverageMode.MASK_RESIZE);
        org.junit.jupiter.api.Assertions.assertArrayEquals(inside, clipped);
    }

    @Test
    void badBoxesAreRejectedWithAClearMessage() {
        assertThrows(IllegalArgumentException.class, () -> new Box(Double.NaN, 0, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new Box(0, 0, Double.POSITIVE_INFINITY, 1));
        IllegalArgumentException inverted = assertThrows(IllegalArgumentException.class, () -> new Box(5, 0, 1, 1));
        assertTrue(inverted.getMessage().contains("inverted"), inverted.getMessage());
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class, () -> new Box(1, 1, 1, 5));
        assertTrue(empty.getMessage().contains("empty"), empty.getMessage());
        IllegalArgumentException outside = assertThrows(IllegalArgumentException.class,
                () -> TokenCoverage.weights(new Box(500, 0, 600, 10), 300, 400, 224, 14, CoverageMode.MASK_RESIZE));
        assertTrue(outside.getMessage().contains("outside the image"), outside.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> TokenCoverage.weights(new Box(0, 0, 10, 10), 300, 400, 225, 14, CoverageMode.MASK_RESIZE));
    }

    private static int nonZero(float[] w) {
        int n = 0;
        for (float v : w) {
            n += v != 0 ? 1 : 0;
        }
        return n;
    }

    private static double sum(float[] w) {
        double s = 0;
        for (float v : w) {
            s += v;
        }
        return s;
    }
}
