package org.qpert.core.parity;

import java.util.List;
import java.util.Map;
import org.qpert.core.model.ActivationSink;
import org.qpert.core.model.QueryPerturbation;
import org.qpert.core.model.coca.CocaImage;
import org.qpert.core.model.coca.CocaRetrieval;
import org.qpert.core.qpert.Box;
import org.qpert.core.qpert.ImageObject;
import org.qpert.core.qpert.ImagePerturbation;
import org.qpert.core.qpert.Perturbation;
import org.qpert.core.qpert.PerturbedImage;

/**
 * Q-Perturbation on CoCa's attentional pooler (spec/COCA.md §6) on a reference export's inputs (tiny-coca
 * {@code qpert-*}): per object its token weights through open_clip's resize and centre crop, weight, area and k per
 * head; per image the pooler keys, P̄, the perturbed pooler output, caption tokens and features; and the logits
 * against the given texts, perturbed and not, under the export's key names.
 */
public final class CocaPerturbationParityRun {
    private CocaPerturbationParityRun() {
    }

    public static Map<String, float[]> compute(CocaRetrieval model, float[][] pixels, int[][] sizes,
                                               List<List<Box>> boxes, Perturbation settings, int[][] texts) {
        Captures cap = new Captures(model.backend());
        int ni = pixels.length, object = 0;
        int site = CocaImage.POOLER_SITE, heads = model.card().site(site).heads();
        float[][] perturbed = new float[ni][], plain = new float[ni][];
        for (int i = 0; i < ni; i++) {
            int item = i;
            List<CocaImage> encoded = model.encodeImages(List.of(pixels[i]),
                    cap.sink(i, n -> n.equals("pooler/keys") ? n : null));
            PerturbedImage p = PerturbedImage.of(model.card(), model.backend(), encoded.get(0), sizes[i][0],
                    sizes[i][1], boxes.get(i), settings);
            ImagePerturbation pbar = p.perturbation();
            for (int j = 0; j < p.objects().size(); j++) {
                ImageObject o = p.objects().get(j);
                cap.put("objects/token_weights", object, o.tokenWeights());
                cap.put("objects/weight", object, new float[] {(float) o.weight()});
                cap.put("objects/area", object, new float[] {(float) o.area()});
                float[] k = new float[heads];
                for (int h = 0; h < heads && pbar.perturbs(site); h++) {
                    k[h] = pbar.basisCount(j, site, h);
                }
                cap.put("objects/k", object++, k);
            }
            int d = model.card().site(site).headDim();
            cap.put("pbar", i, pbar.perturbs(site) ? pbar.hostPbar(site) : new float[heads * d * d]);
            perturbed[i] = model.imageFeatures(encoded, List.of(pbar), cap.sink(i, n -> switch (n) {
                case "pooler/output" -> "perturbed/pooler_output";
                case "vision/image_embs" -> "perturbed/image_embs";
                default -> null;
            })).get(0);
            cap.put("perturbed/image_features", item, perturbed[i]);
            plain[i] = model.imageFeatures(encoded, List.of(QueryPerturbation.NONE)).get(0);
            cap.put("unperturbed/image_features", item, plain[i]);
            encoded.forEach(CocaImage::close);
        }
        float[][] text = model.textFeatures(java.util.Arrays.asList(texts), ActivationSink.NONE)
                .toArray(float[][]::new);
        cap.put("perturbed/logits_per_image", 0, CocaParityRun.logits(model.logitScale(), perturbed, text));
        return cap.stacked();
    }
}
