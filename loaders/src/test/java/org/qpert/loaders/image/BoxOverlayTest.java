package org.qpert.loaders.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.loaders.dataset.LabeledBox;

/** Boxes are drawn where they are, the rest of the image is untouched, and the PNG reads back the same. */
class BoxOverlayTest {

    @TempDir
    Path dir;

    @Test
    void drawsBoxOutlinesAndCaptionsAndWritesAPng() throws IOException {
        int w = 200;
        int h = 100;
        byte[] px = new byte[w * h * 3];
        java.util.Arrays.fill(px, (byte) 128);
        RgbImage gray = new RgbImage(w, h, px);
        LabeledBox box = new LabeledBox(50, 40, 150, 90, "a dog", 0.876);
        Path png = dir.resolve("out.png");
        BoxOverlay.writePng(gray, List.of(box), png);
        RgbImage back = new ImageDecoder().decode(png);
        assertEquals(w, back.width());
        assertEquals(h, back.height());
        // Box 0 is drawn in the palette's first colour (230, 25, 75) on its left and bottom edges.
        assertEquals(230, back.sample(50, 70, 0));
        assertEquals(25, back.sample(50, 70, 1));
        assertEquals(75, back.sample(100, 89, 2));
        // Inside the box, and far from it, the image is unchanged.
        assertEquals(128, back.sample(100, 70, 0));
        assertEquals(128, back.sample(5, 95, 1));
        // The caption tab sits above the box (the box starts at y = 40).
        int tabPixels = 0;
        for (int x = 50; x < 100; x++) {
            for (int y = 20; y < 40; y++) {
                tabPixels += back.sample(x, y, 0) != 128 ? 1 : 0;
            }
        }
        assertNotEquals(0, tabPixels, "caption tab drawn above the box");
        assertEquals("a dog 0.88", BoxOverlay.caption(box));
        assertEquals("0.50", BoxOverlay.caption(new LabeledBox(0, 0, 1, 1, null, 0.5)));
        assertEquals("", BoxOverlay.caption(LabeledBox.of(0, 0, 1, 1)));
    }
}
