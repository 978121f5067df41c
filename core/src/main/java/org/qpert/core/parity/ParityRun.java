package org.qpert.core.parity;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.qpert.core.model.QueryPerturbation;
import org.qpert.core.model.blip2.Blip2Retrieval;
import org.qpert.core.model.blip2.ImageContext;

/**
 * Runs the ITC and ITM forwards of {@link Blip2Retrieval} on a reference export's inputs, capturing every stage under
 * the export's key names ({@code vision/…}, {@code itc_image/…}, {@code itc_text/…}, {@code itc/…}, {@code itm/…}),
 * then compares each key that the reference holds.
 */
public final class ParityRun {
    private ParityRun() {
    }

    /**
     * Computes all keys. {@code keyPrefix} is prepended to every key (e.g. {@code f16w/} for a model loaded from
     * F16 weights, whose reference results are stored under that prefix).
     */
    public static Map<String, float[]> compute(Blip2Retrieval model, ParityInputs in, String keyPrefix) {
        Captures cap = new Captures(model.backend());
        int ni = in.pixels().length, nt = in.inputIds().length;
        ImageContext[] images = new ImageContext[ni];
        float[][] imageFeats = new float[ni][];
        for (int i = 0; i < ni; i++) {
            images[i] = model.encodeImage(in.pixels()[i], cap.sink(i, n -> keyPrefix + "vision/" + n));
            imageFeats[i] = model.imageFeatures(images[i], QueryPerturbation.NONE, cap.sink(i,
                    n -> keyPrefix + (n.equals("vision_projection") ? "itc/" : "itc_image/") + n));
            cap.put(keyPrefix + "itc/image_feat", i, imageFeats[i]);
        }
        float[][] textFeats = new float[nt][];
        for (int t = 0; t < nt; t++) {
            textFeats[t] = model.textFeatures(in.inputIds()[t], in.attentionMasks()[t], cap.sink(t,
                    n -> keyPrefix + (n.equals("text_projection") ? "itc/" : "itc_text/") + n));
            cap.put(keyPrefix + "itc/text_feat", t, textFeats[t]);
        }
        int nq = model.config().numQueryTokens(), e = model.config().imageTextHiddenSize();
        float[] logitsPerImage = new float[ni * nt];
        float[] logitsPerText = new float[nt * ni];
        for (int i = 0; i < ni; i++) {
            float[] simPerQuery = new float[nq * nt];
            for (int q = 0; q < nq; q++) {
                for (int t = 0; t < nt; t++) {
                    float s = 0f;
                    for (int k = 0; k < e; k++) {
                        s += imageFeats[i][q * e + k] * textFeats[t][k];
                    }
                    simPerQuery[q * nt + t] = s;
                }
            }
            cap.put(keyPrefix + "itc/sim_per_query", i, simPerQuery);
            for (int t = 0; t < nt; t++) {
                float score = Blip2Retrieval.itc(imageFeats[i], textFeats[t]);
                logitsPerImage[i * nt + t] = score;
                logitsPerText[t * ni + i] = score;
            }
        }
        cap.put(keyPrefix + "itc/logits_per_image", 0, logitsPerImage);
        cap.put(keyPrefix + "itc/logits_per_text", 0, logitsPerText);
        for (int p = 0; p < in.pairImage().length; p++) {
            int t = in.pairText()[p];
            float[] logits = model.itmLogits(images[in.pairImage()[p]], QueryPerturbation.NONE, in.inputIds()[t],
                    in.attentionMasks()[t], cap.sink(p, n -> keyPrefix + "itm/" + n));
            cap.put(keyPrefix + "itm/logits", p, logits);
        }
        Map<String, float[]> out = cap.stacked();
        float[] itm = out.get(keyPrefix + "itm/logits");
        if (itm != null && isFullGrid(in, ni, nt)) {
            out.put(keyPrefix + "itm/logits_grid", itm);
        }
        return out;
    }

    /** Pair p = (image p / nt, text p % nt) for every image and text: the ITM logits then reshape to [Bi, Bt, 2]. */
    private static boolean isFullGrid(ParityInputs in, int ni, int nt) {
        if (in.pairImage().length != ni * nt) {
            return false;
        }
        for (int p = 0; p < ni * nt; p++) {
            if (in.pairImage()[p] != p / nt || in.pairText()[p] != p % nt) {
                return false;
            }
        }
        return true;
    }

    /** Compares every computed key that the reference holds, in the reference's key order. */
    public static List<Comparison> compare(Map<String, float[]> computed, Map<String, ReferenceTensor> reference) {
        List<Comparison> out = new ArrayList<>();
        reference.forEach((key, ref) -> {
            float[] mine = computed.get(key);
            if (mine != null) {
                out.add(Comparison.of(key, mine, ref));
            }
        });
        return out;
    }
}
