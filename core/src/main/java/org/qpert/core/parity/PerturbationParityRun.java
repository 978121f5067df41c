package org.qpert.core.parity;

import java.util.Map;
import org.qpert.core.model.QueryPerturbation;
import org.qpert.core.model.blip2.Blip2PerturbedImage;
import org.qpert.core.model.blip2.Blip2Retrieval;
import org.qpert.core.qpert.ImageObject;
import org.qpert.core.qpert.ImagePerturbation;

/**
 * Runs Q-Perturbation on the inputs of a tiny-blip2/qpert-* export and produces its keys: {@code image_embeds},
 * {@code objects/token_weights|weight|area|k} (k as floats, 0 for an object covering no token), {@code pbar} (zeros
 * for a layer or image left unperturbed), {@code itc/crossattention.{l}.query_perturbed} (the plain query where an
 * image is unperturbed), {@code itc/image_feat}, {@code itc/logits_per_image}, {@code itc/logits_per_image_unperturbed}
 * and {@code itm/logits}. Each image's P̄ is built once and reused for its ITC pass and all its ITM pairs.
 */
public final class PerturbationParityRun {
    private static final String CROSS = ".crossattention.attention.";

    private PerturbationParityRun() {
    }

    public static Map<String, float[]> compute(Blip2Retrieval model, PerturbationInputs in) {
        Captures cap = new Captures(model.backend());
        ParityInputs m = in.model();
        int ni = m.pixels().length, nt = m.inputIds().length;
        int[] crossLayers = model.config().qformer().crossAttentionLayers();
        int heads = model.config().qformer().numAttentionHeads(), d = model.config().qformer().headDim();
        Blip2PerturbedImage[] images = new Blip2PerturbedImage[ni];
        float[][] perturbed = new float[ni][], plain = new float[ni][];
        int object = 0;
        for (int i = 0; i < ni; i++) {
            int item = i;
            images[i] = Blip2PerturbedImage.encode(model, m.pixels()[i], in.imageSizes()[i][0], in.imageSizes()[i][1],
                    in.boxes().get(i), in.settings(),
                    cap.sink(i, n -> n.equals("vision_model.post_layernorm") ? "image_embeds" : "vision/" + n));
            ImagePerturbation p = images[i].perturbation();
            for (int j = 0; j < images[i].objects().size(); j++) {
                ImageObject o = images[i].objects().get(j);
                cap.put("objects/token_weights", object, o.tokenWeights());
                cap.put("objects/weight", object, new float[] {(float) o.weight()});
                cap.put("objects/area", object, new float[] {(float) o.area()});
                float[] k = new float[crossLayers.length * heads];
                for (int l = 0; l < crossLayers.length; l++) {
                    for (int h = 0; h < heads && p.perturbs(crossLayers[l]); h++) {
                        k[l * heads + h] = p.basisCount(j, crossLayers[l], h);
                    }
                }
                cap.put("objects/k", object++, k);
            }
            float[] pbar = new float[crossLayers.length * heads * d * d];
            for (int l = 0; l < crossLayers.length; l++) {
                if (p.perturbs(crossLayers[l])) {
                    System.arraycopy(p.hostPbar(crossLayers[l]), 0, pbar, l * heads * d * d, heads * d * d);
                }
            }
            cap.put("pbar", i, pbar);
            perturbed[i] = images[i].imageFeatures(model, (name, t) -> {
                String key = queryKey(name, p);
                if (key != null) {
                    cap.put(key, item, t);
                }
            });
            cap.put("itc/image_feat", i, perturbed[i]);
            plain[i] = model.imageFeatures(images[i].context(), QueryPerturbation.NONE);
        }
        float[][] text = new float[nt][];
        for (int t = 0; t < nt; t++) {
            text[t] = model.textFeatures(m.inputIds()[t], m.attentionMasks()[t]);
        }
        float[] logits = new float[ni * nt], logitsPlain = new float[ni * nt];
        for (int i = 0; i < ni; i++) {
            for (int t = 0; t < nt; t++) {
                logits[i * nt + t] = Blip2Retrieval.itc(perturbed[i], text[t]);
                logitsPlain[i * nt + t] = Blip2Retrieval.itc(plain[i], text[t]);
            }
        }
        cap.put("itc/logits_per_image", 0, logits);
        cap.put("itc/logits_per_image_unperturbed", 0, logitsPlain);
        for (int pair = 0; pair < m.pairImage().length; pair++) {
            int t = m.pairText()[pair];
            cap.put("itm/logits", pair, images[m.pairImage()[pair]].itmLogits(model, m.inputIds()[t],
                    m.attentionMasks()[t]));
        }
        return cap.stacked();
    }

    /**
     * The export's name for a cross-attention query capture, or null for any other capture: the perturbed query where
     * the layer is perturbed, the plain query where it is not (the export stores what the attention used).
     */
    private static String queryKey(String name, ImagePerturbation p) {
        if (!name.startsWith("qformer.encoder.layer.") || !name.contains(CROSS)) {
            return null;
        }
        int layer = Integer.parseInt(name.substring("qformer.encoder.layer.".length(), name.indexOf(CROSS)));
        String what = name.substring(name.indexOf(CROSS) + CROSS.length());
        boolean wanted = p.perturbs(layer) ? what.equals("query_perturbed") : what.equals("query");
        return wanted ? "itc/crossattention." + layer + ".query_perturbed" : null;
    }
}
