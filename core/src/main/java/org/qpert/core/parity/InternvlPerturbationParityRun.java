package org.qpert.core.parity;

import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.qpert.core.model.ActivationSink;
import org.qpert.core.model.PerturbationSite;
import org.qpert.core.model.QueryPerturbation;
import org.qpert.core.model.internvl.InternvlImage;
import org.qpert.core.model.internvl.InternvlRetrieval;
import org.qpert.core.model.internvl.InternvlVariant;
import org.qpert.core.qpert.Box;
import org.qpert.core.qpert.ImageObject;
import org.qpert.core.qpert.ImagePerturbation;
import org.qpert.core.qpert.Perturbation;
import org.qpert.core.qpert.PerturbedImage;

/**
 * Q-Perturbation on InternVL (spec/INTERNVL.md §5) on a reference export's inputs (tiny-internvl {@code qpert.*}):
 * per object its token weights (squash geometry), weight, area, k per QLLaMA cross-attention layer and head
 * ({@code objects/k_g}) and per pooling head ({@code objects/k_pool}); per image P̄ at both kinds of site, the
 * perturbed queries, QLLaMA layers and pooled outputs; both variants' features and logits, perturbed and not, and
 * InternVL-G's "QLLaMA only" variant, under the export's key names. The settings' layer list is not read: InternVL-G
 * perturbs every site by default, the "QLLaMA only" variant its cross-attention layers.
 */
public final class InternvlPerturbationParityRun {
    private InternvlPerturbationParityRun() {
    }

    public static java.util.Map<String, float[]> compute(InternvlRetrieval c, InternvlRetrieval g, float[][] pixels,
                                                         int[][] sizes, List<List<Box>> boxes, Perturbation settings,
                                                         int[][] texts) {
        InternvlParityRun.require(c, InternvlVariant.C);
        InternvlParityRun.require(g, InternvlVariant.G);
        Perturbation all = settings.withAllCrossAttentionLayers();
        int[] cross = g.config().qllama().crossLayers();
        Perturbation qllamaOnly = settings.withLayers(cross);
        int pool = g.poolSite();
        Captures cap = new Captures(g.backend());
        int ni = pixels.length, object = 0;
        float[][] featC = new float[ni][], featG = new float[ni][], featQ = new float[ni][];
        float[][] plainC = new float[ni][], plainG = new float[ni][];
        for (int i = 0; i < ni; i++) {
            int item = i;
            List<InternvlImage> encoded = g.encodeImages(List.of(pixels[i]));
            PerturbedImage p = PerturbedImage.of(g.card(), g.backend(), encoded.get(0), sizes[i][0], sizes[i][1],
                    boxes.get(i), all);
            ImagePerturbation pbar = p.perturbation();
            for (int j = 0; j < p.objects().size(); j++) {
                ImageObject o = p.objects().get(j);
                cap.put("objects/token_weights", object, o.tokenWeights());
                cap.put("objects/weight", object, new float[] {(float) o.weight()});
                cap.put("objects/area", object, new float[] {(float) o.area()});
                float[] kg = new float[cross.length * g.config().qllama().heads()];
                for (int l = 0, at = 0; l < cross.length; l++) {
                    for (int h = 0; h < g.config().qllama().heads(); h++) {
                        kg[at++] = pbar.perturbs(cross[l]) ? pbar.basisCount(j, cross[l], h) : 0;
                    }
                }
                cap.put("objects/k_g", object, kg);
                float[] kp = new float[g.card().site(pool).heads()];
                for (int h = 0; h < kp.length; h++) {
                    kp[h] = pbar.perturbs(pool) ? pbar.basisCount(j, pool, h) : 0;
                }
                cap.put("objects/k_pool", object++, kp);
            }
            float[] pg = new float[0];
            for (int l : cross) {
                pg = concat(pg, hostPbar(pbar, g.card().site(l)));
            }
            cap.put("pbar_g", i, pg);
            cap.put("pbar_pool", i, hostPbar(pbar, g.card().site(pool)));
            // an image not perturbed at a site has its queries as they are: captured under the perturbed key
            UnaryOperator<String> perturbedKeys = n -> {
                if (n.equals("c/query")) {
                    return pbar.perturbs(pool) ? null : "c/query_perturbed";
                }
                if (n.endsWith(".cross_attn.q")) {
                    int l = Integer.parseInt(n.split("\\.")[2]); // g/qllama.layer.L.cross_attn.q
                    return pbar.perturbs(l) ? null : n + "_perturbed";
                }
                return switch (n) {
                    case "c/query_perturbed", "c/pooled", "g/pooled_qllama" -> n;
                    case "image_features" -> "image_features/G";
                    default -> n.endsWith("q_perturbed") || n.matches("g/qllama\\.layer\\.\\d+") ? n : null;
                };
            };
            featG[i] = g.imageFeatures(encoded, List.of(pbar), cap.sink(i, perturbedKeys)).get(0);
            ImagePerturbation onlyQllama = PerturbedImage.of(g.card(), g.backend(), encoded.get(0), sizes[i][0],
                    sizes[i][1], boxes.get(i), qllamaOnly).perturbation();
            featQ[i] = g.imageFeatures(encoded, List.of(onlyQllama),
                    cap.sink(i, n -> n.equals("image_features") ? "image_features/G_qllama_only" : null)).get(0);
            plainG[i] = g.imageFeatures(encoded, List.of(QueryPerturbation.NONE)).get(0);
            encoded.forEach(InternvlImage::close);

            List<InternvlImage> alone = c.encodeImages(List.of(pixels[i]));
            PerturbedImage pc = PerturbedImage.of(c.card(), c.backend(), alone.get(0), sizes[i][0], sizes[i][1],
                    boxes.get(i), all);
            featC[i] = c.imageFeatures(alone, List.of(pc.perturbation()),
                    cap.sink(item, n -> n.equals("image_features") ? "image_features/C" : null)).get(0);
            plainC[i] = c.imageFeatures(alone, List.of(QueryPerturbation.NONE)).get(0);
            alone.forEach(InternvlImage::close);
        }
        float[][] text = g.textFeatures(Arrays.asList(texts), ActivationSink.NONE).toArray(float[][]::new);
        float scale = g.logitScale();
        cap.put("logits_per_image/C", 0, CocaParityRun.logits(scale, featC, text));
        cap.put("logits_per_image/G", 0, CocaParityRun.logits(scale, featG, text));
        cap.put("logits_per_image/G_qllama_only", 0, CocaParityRun.logits(scale, featQ, text));
        cap.put("logits_per_image/C_unperturbed", 0, CocaParityRun.logits(scale, plainC, text));
        cap.put("logits_per_image/G_unperturbed", 0, CocaParityRun.logits(scale, plainG, text));
        java.util.Map<String, float[]> out = cap.stacked();
        out.put("g/pooled_backbone", out.get("c/pooled")); // InternVL-G's backbone branch is InternVL-C's pooling
        return out;
    }

    /** P̄ of a site [H·d, d], zeros where the image is not perturbed there (as the export writes it). */
    private static float[] hostPbar(ImagePerturbation p, PerturbationSite site) {
        return p.perturbs(site.index()) ? p.hostPbar(site.index())
                : new float[site.heads() * site.headDim() * site.headDim()];
    }

    private static float[] concat(float[] a, float[] b) {
        float[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
