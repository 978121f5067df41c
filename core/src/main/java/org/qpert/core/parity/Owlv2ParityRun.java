package org.qpert.core.parity;

import java.util.Map;
import org.qpert.core.model.owlv2.Owlv2Detector;

/**
 * Runs {@link Owlv2Detector} on the inputs of a tiny-owlv2 {@code activations.safetensors} export and captures every
 * stage under the export's keys: {@code vision/embeddings|pre_layernorm|layers.N|post_layernorm},
 * {@code detector/image_feats|box_head|box_bias|pred_boxes|objectness_logits|class_embeds|logits} and
 * {@code text/last_hidden_state|pooled|text_embeds}. The texts are the images' queries in order (image i has queries
 * i·Q..i·Q+Q−1, Q = texts / images); a query whose first id is 0 is absent, as in HF.
 */
public final class Owlv2ParityRun {
    private static final String VISION = "owlv2.vision_model.";
    private static final String TEXT = "owlv2.text_model.";

    private Owlv2ParityRun() {
    }

    public static Map<String, float[]> compute(Owlv2Detector model, ParityInputs in) {
        int ni = in.pixels().length, nt = in.inputIds().length;
        if (ni == 0 || nt % ni != 0) {
            throw new IllegalArgumentException(nt + " text queries cannot be split evenly over " + ni + " images");
        }
        Captures cap = new Captures(model.backend());
        float[][] queries = new float[nt][];
        for (int t = 0; t < nt; t++) {
            float[] e = model.embedQuery(in.inputIds()[t], in.attentionMasks()[t], cap.sink(t, Owlv2ParityRun::key));
            queries[t] = in.inputIds()[t][0] == 0 ? null : e;
        }
        int perImage = nt / ni;
        for (int i = 0; i < ni; i++) {
            float[][] mine = java.util.Arrays.copyOfRange(queries, i * perImage, (i + 1) * perImage);
            int item = i;
            model.predict(in.pixels()[i], mine, (name, t) -> {
                String key = key(name);
                if (key != null) {
                    // The box bias is one [g², 4] table, not a per-image tensor.
                    cap.put(key, key.equals("detector/box_bias") ? 0 : item, t);
                }
            });
        }
        return cap.stacked();
    }

    /** The export's key for a capture name, or null for captures the export does not hold. */
    static String key(String name) {
        if (name.startsWith(VISION + "encoder.layers.")) {
            String rest = name.substring((VISION + "encoder.").length());
            return rest.matches("layers\\.\\d+") ? "vision/" + rest : null;
        }
        if (name.startsWith(VISION)) {
            return "vision/" + name.substring(VISION.length());
        }
        return switch (name) {
            case "layer_norm" -> "detector/image_feats";
            case "box_head", "box_bias", "pred_boxes", "class_embeds" -> "detector/" + name;
            case "objectness_head" -> "detector/objectness_logits";
            case "class_head" -> "detector/logits";
            case TEXT + "final_layer_norm" -> "text/last_hidden_state";
            case TEXT + "pooler_output" -> "text/pooled";
            case "text_embeds" -> "text/text_embeds";
            default -> null;
        };
    }
}
