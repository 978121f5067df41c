package org.qpert.kernels;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.qpert.core.backend.SymmetricEigen;
import org.qpert.loaders.safetensors.SafetensorsWeights;

/**
 * One tiny-blip2/qpert-* fixture folder: 3 images, their boxes, and the expected token weights, P̄ and features.
 * Also assembles P̄ from eigenvectors the way spec/QPERT.md §4–6 defines it, with the fixture's k per object, layer
 * and head (so the τ rule, which core owns, is not re-implemented here).
 */
final class QpertFixture {
    static final int IMAGES = 3, LAYERS = 2, HEADS = 4, D = 8, WIDTH = HEADS * D, TOKENS = 17;
    private final Map<String, float[]> floats = new HashMap<>();
    private final Map<String, int[]> ints = new HashMap<>();
    private final JsonArray images;
    private final int[] objectImage;
    private final int[] k;
    private final float[] objectWeight;

    QpertFixture(String folder) throws IOException {
        Path dir = TinyModel.DIR.resolve(folder);
        try (SafetensorsWeights fx = TinyModel.fixture(dir.resolve("qpert.safetensors"))) {
            for (String name : List.of("inputs/pixel_values", "objects/weight", "objects/token_weights", "pbar",
                    "itc/image_feat")) {
                floats.put(name, fx.readFloats(name));
            }
            for (String name : List.of("inputs/image_sizes", "objects/image_index", "objects/k")) {
                ints.put(name, TinyModel.ints(fx, name));
            }
        }
        JsonObject meta = JsonParser.parseString(Files.readString(dir.resolve("qpert.json"))).getAsJsonObject();
        this.images = meta.getAsJsonArray("images");
        this.objectImage = ints.get("objects/image_index");
        this.k = ints.get("objects/k");
        this.objectWeight = floats.get("objects/weight");
    }

    /** Index of the image's first object in the fixture's object order, and how many it has. */
    int firstObject(int image) {
        int o = 0;
        while (o < objectImage.length && objectImage[o] < image) {
            o++;
        }
        return o;
    }

    /** w_j of object {@code object} (fixture order). */
    double objectWeight(int object) {
        return objectWeight[object];
    }

    int objects(int image) {
        return images.get(image).getAsJsonObject().getAsJsonArray("boxes_xyxy").size();
    }

    float[] boxes(int image) {
        JsonArray boxes = images.get(image).getAsJsonObject().getAsJsonArray("boxes_xyxy");
        float[] flat = new float[4 * boxes.size()];
        for (int b = 0; b < boxes.size(); b++) {
            for (int c = 0; c < 4; c++) {
                flat[4 * b + c] = boxes.get(b).getAsJsonArray().get(c).getAsFloat();
            }
        }
        return flat;
    }

    /** Original (H, W) repeated per box. */
    int[] sizes(int image) {
        int[] hw = ints.get("inputs/image_sizes");
        int[] out = new int[2 * objects(image)];
        for (int b = 0; b < objects(image); b++) {
            out[2 * b] = hw[2 * image];
            out[2 * b + 1] = hw[2 * image + 1];
        }
        return out;
    }

    float[] pixels(int image) {
        float[] all = floats.get("inputs/pixel_values");
        int px = all.length / IMAGES;
        return Arrays.copyOfRange(all, image * px, (image + 1) * px);
    }

    float[] tokenWeights(int image) {
        int first = firstObject(image);
        return Arrays.copyOfRange(floats.get("objects/token_weights"), first * TOKENS, (first + objects(image)) * TOKENS);
    }

    /** [LAYERS, HEADS·D, D]. */
    float[] pbar(int image) {
        int n = LAYERS * WIDTH * D;
        return Arrays.copyOfRange(floats.get("pbar"), image * n, (image + 1) * n);
    }

    float[] imageFeatures(int image) {
        float[] all = floats.get("itc/image_feat");
        int n = all.length / IMAGES;
        return Arrays.copyOfRange(all, image * n, (image + 1) * n);
    }

    /**
     * P̄ [LAYERS, HEADS·D, D] of an image: (1/N') Σ_j w_j U_k U_kᵀ over the objects covering a token (counts > 0).
     * eigen[layer] holds the image's objects × heads matrices, object-major.
     */
    float[] assemblePbar(int image, SymmetricEigen[] eigen, int[] counts) {
        float[] pbar = new float[LAYERS * WIDTH * D];
        int first = firstObject(image), covering = (int) Arrays.stream(counts).filter(c -> c > 0).count();
        for (int li = 0; li < LAYERS; li++) {
            for (int b = 0; b < objects(image); b++) {
                int o = first + b;
                for (int h = 0; h < HEADS; h++) {
                    int kk = k[(o * LAYERS + li) * HEADS + h], mat = b * HEADS + h;
                    for (int row = 0; row < D; row++) {
                        for (int col = 0; col < D; col++) {
                            double s = 0;
                            for (int e = 0; e < kk; e++) {
                                s += eigen[li].vector(mat, e, row) * eigen[li].vector(mat, e, col);
                            }
                            pbar[(li * WIDTH + h * D + row) * D + col] += (float) (objectWeight[o] * s / covering);
                        }
                    }
                }
            }
        }
        return pbar;
    }
}
