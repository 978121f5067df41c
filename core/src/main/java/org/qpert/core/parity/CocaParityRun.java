package org.qpert.core.parity;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.qpert.core.model.QueryPerturbation;
import org.qpert.core.model.coca.CocaImage;
import org.qpert.core.model.coca.CocaRetrieval;

/**
 * Runs open_clip CoCa's retrieval towers on a reference export's inputs (tiny-coca {@code activations.safetensors}:
 * images [3, S, S], token rows of the context length), capturing every stage under the export's key names
 * ({@code vision/…}, {@code pooler/…}, {@code text/…}, {@code image_features}, {@code text_features},
 * {@code logits_per_image}).
 */
public final class CocaParityRun {
    /** Keys of the learned queries, which have no image dimension: taken from the first image only. */
    private static final Set<String> PER_MODEL = Set.of("pooler/ln_q", "pooler/queries");

    private CocaParityRun() {
    }

    /** Computes every key, each prefixed with {@code keyPrefix} (e.g. {@code f16w/} for F16 weights). */
    public static Map<String, float[]> compute(CocaRetrieval model, float[][] pixels, int[][] ids, String keyPrefix) {
        Captures cap = new Captures(model.backend());
        int ni = pixels.length, nt = ids.length;
        float[][] image = new float[ni][];
        for (int i = 0; i < ni; i++) {
            int item = i;
            var naming = (java.util.function.UnaryOperator<String>) n -> item > 0 && PER_MODEL.contains(n) ? null
                    : keyPrefix + n;
            List<CocaImage> encoded = model.encodeImages(List.of(pixels[i]), cap.sink(i, naming));
            image[i] = model.imageFeatures(encoded, List.of(QueryPerturbation.NONE), cap.sink(i, naming)).get(0);
            encoded.forEach(CocaImage::close);
            cap.put(keyPrefix + "image_features", i, image[i]);
        }
        float[][] text = new float[nt][];
        for (int t = 0; t < nt; t++) {
            text[t] = model.textFeatures(List.of(ids[t]), cap.sink(t, n -> keyPrefix + n)).get(0);
            cap.put(keyPrefix + "text_features", t, text[t]);
        }
        cap.put(keyPrefix + "logits_per_image", 0, logits(model.logitScale(), image, text));
        cap.put(keyPrefix + "logit_scale_exp", 0, new float[] {model.logitScale()});
        return cap.stacked();
    }

    /** {@code e2e/NAME/image_features} of image files given by their pixels [3, S, S] (export name → pixels). */
    public static Map<String, float[]> endToEnd(CocaRetrieval model, Map<String, float[]> pixels) {
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        pixels.forEach((name, px) -> {
            List<CocaImage> encoded = model.encodeImages(List.of(px));
            out.put("e2e/" + name + "/image_features",
                    model.imageFeatures(encoded, List.of(QueryPerturbation.NONE)).get(0));
            encoded.forEach(CocaImage::close);
        });
        return out;
    }

    /** exp(logit_scale) · cosine [images, texts], as open_clip's logits. */
    public static float[] logits(float scale, float[][] image, float[][] text) {
        float[] out = new float[image.length * text.length];
        for (int i = 0; i < image.length; i++) {
            for (int t = 0; t < text.length; t++) {
                float s = 0f;
                for (int k = 0; k < image[i].length; k++) {
                    s += image[i][k] * text[t][k];
                }
                out[i * text.length + t] = scale * s;
            }
        }
        return out;
    }
}
