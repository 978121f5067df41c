package org.qpert.core.parity;

import java.util.List;
import java.util.Map;
import org.qpert.core.model.QueryPerturbation;
import org.qpert.core.model.internvl.InternvlImage;
import org.qpert.core.model.internvl.InternvlRetrieval;
import org.qpert.core.model.internvl.InternvlVariant;

/**
 * Runs InternVL-C and InternVL-G on a reference export's inputs (tiny-internvl {@code activations.safetensors}: images
 * [3, S, S], right-padded token rows), capturing every stage under the export's key names ({@code vision/…},
 * {@code c/pooled}, {@code g/…}, {@code text/…}, {@code image_features/C|G}, {@code text_features},
 * {@code logits_per_image/C|G}). The InternVL-G model computes every shared stage; the InternVL-C model adds its
 * image features.
 */
public final class InternvlParityRun {
    private InternvlParityRun() {
    }

    /** Computes every key, each prefixed with {@code keyPrefix} (e.g. {@code f16w/} for F16 weights). */
    public static Map<String, float[]> compute(InternvlRetrieval c, InternvlRetrieval g, float[][] pixels,
                                               int[][] ids, String keyPrefix) {
        require(c, InternvlVariant.C);
        require(g, InternvlVariant.G);
        Captures cap = new Captures(g.backend());
        int ni = pixels.length, nt = ids.length;
        float[][] imageC = new float[ni][], imageG = new float[ni][];
        for (int i = 0; i < ni; i++) {
            int item = i;
            var naming = (java.util.function.UnaryOperator<String>) n -> keyPrefix + switch (n) {
                case "image_features" -> "image_features/G";
                default -> n;
            };
            List<InternvlImage> encoded = g.encodeImages(List.of(pixels[i]), cap.sink(i, naming));
            imageG[i] = g.imageFeatures(encoded, List.of(QueryPerturbation.NONE), cap.sink(i, naming)).get(0);
            encoded.forEach(InternvlImage::close);
            var pooled = cap.sink(i, n -> n.equals("c/pooled") ? keyPrefix + "g/pooled_backbone" : null);
            List<InternvlImage> alone = c.encodeImages(List.of(pixels[i]));
            imageC[i] = c.imageFeatures(alone, List.of(QueryPerturbation.NONE), (n, t) -> {
                pooled.accept(n, t);
                if (n.equals("image_features")) {
                    cap.put(keyPrefix + "image_features/C", item, t);
                }
            }).get(0);
            alone.forEach(InternvlImage::close);
        }
        float[][] text = new float[nt][];
        for (int t = 0; t < nt; t++) {
            text[t] = g.textFeatures(List.of(ids[t]), cap.sink(t, n -> keyPrefix + n)).get(0);
            cap.put(keyPrefix + "text/pool_index", t, new float[] {poolIndex(ids[t])});
        }
        cap.put(keyPrefix + "logits_per_image/C", 0, CocaParityRun.logits(c.logitScale(), imageC, text));
        cap.put(keyPrefix + "logits_per_image/G", 0, CocaParityRun.logits(g.logitScale(), imageG, text));
        cap.put(keyPrefix + "logit_scale_exp", 0, new float[] {g.logitScale()});
        return cap.stacked();
    }

    /** (count of non-zero ids) − 1: where the reference gathers the text's state. */
    static int poolIndex(int[] ids) {
        int keep = 0;
        for (int id : ids) {
            keep += id > 0 ? 1 : 0;
        }
        return keep - 1;
    }

    static void require(InternvlRetrieval model, InternvlVariant variant) {
        if (model.variant() != variant) {
            throw new IllegalArgumentException("expected an " + variant.title() + " model, got "
                    + model.variant().title());
        }
    }
}
