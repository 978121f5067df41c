package org.qpert.loaders.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.qpert.core.model.TokenGrid;
import org.qpert.loaders.safetensors.SafetensorsFile;

/**
 * open_clip's eval transform at 224 against tiny-coca's {@code preprocess.safetensors} (open_clip 3.3.0, Pillow): the
 * uint8 image after resize + centre crop + RGB exactly for every PNG (RGB, gray, palette with nearest neighbour, RGBA
 * and LA premultiplied, a half-pixel crop offset), within a few levels for the JPEG (another decoder), the float32
 * pixels of rgb_500x375 exactly; the resized sizes and crop offsets as preprocess.json records them.
 */
class OpenClipImageProcessorTest {
    static final Path DIR = Path.of("../testdata/parity/tiny-coca");
    static final Path INPUTS = Path.of("../testdata/parity/inputs/images");

    static Path file(String name) {
        for (Path dir : new Path[] {INPUTS, DIR.resolve("images")}) {
            for (String ext : new String[] {".png", ".jpg"}) {
                if (Files.exists(dir.resolve(name + ext))) {
                    return dir.resolve(name + ext);
                }
            }
        }
        throw new AssertionError("no image " + name);
    }

    @Test
    void everyImageAsOpenClipPreprocessesIt() throws IOException {
        JsonObject images = JsonParser.parseString(Files.readString(DIR.resolve("preprocess.json"))).getAsJsonObject()
                .getAsJsonObject("images");
        OpenClipImageProcessor p = new OpenClipImageProcessor(224);
        TokenGrid grid = new TokenGrid(1, 14, 224, TokenGrid.Resize.SHORTEST_SIDE_CENTRE_CROP);
        int compared = 0;
        try (SafetensorsFile f = SafetensorsFile.open(DIR.resolve("preprocess.safetensors"))) {
            for (Map.Entry<String, com.google.gson.JsonElement> e : images.entrySet()) {
                String name = e.getKey();
                JsonObject info = e.getValue().getAsJsonObject();
                RgbImage decoded = new ImageDecoder().decode(file(name));
                JsonArray resized = info.getAsJsonArray("resized_hw"), crop = info.getAsJsonArray("crop_top_left");
                int[] ys = grid.axis(decoded.height(), decoded.width()), xs = grid.axis(decoded.width(),
                        decoded.height());
                assertEquals(resized.get(0).getAsInt(), ys[0], name + " resized height");
                assertEquals(resized.get(1).getAsInt(), xs[0], name + " resized width");
                assertEquals(crop.get(0).getAsInt(), ys[1], name + " crop top");
                assertEquals(crop.get(1).getAsInt(), xs[1], name + " crop left");
                byte[] want = f.readBytes("resized_u8/224/" + name);
                byte[] got = p.resizeAndCrop(decoded).pixels();
                if (name.endsWith("_q90")) {
                    int worst = 0;
                    for (int i = 0; i < want.length; i++) {
                        worst = Math.max(worst, Math.abs((want[i] & 0xFF) - (got[i] & 0xFF)));
                    }
                    assertTrue(worst <= 6, name + ": " + worst + " levels off (JPEG decoders differ)");
                } else {
                    assertArrayEquals(want, got, name + " (" + info.get("mode").getAsString() + ")");
                }
                compared++;
            }
            float[] px = p.pixelValues(new ImageDecoder().decode(file("rgb_500x375")));
            assertArrayEquals(f.readFloats("pixel_values/224/rgb_500x375"), px, 0f);
        }
        assertEquals(11, compared);
    }

    @Test
    void decodedModesAreWhatPillowOpens() {
        assertEquals(RgbImage.Mode.P, new ImageDecoder().decode(file("palette_120x90")).mode());
        assertEquals(RgbImage.Mode.L, new ImageDecoder().decode(file("gray_300x200")).mode());
        assertEquals(RgbImage.Mode.RGBA, new ImageDecoder().decode(file("rgba_200x300")).mode());
        assertEquals(RgbImage.Mode.LA, new ImageDecoder().decode(file("la_401x250")).mode());
        assertEquals(RgbImage.Mode.RGB, new ImageDecoder().decode(file("rgb_500x375")).mode());
    }
}
