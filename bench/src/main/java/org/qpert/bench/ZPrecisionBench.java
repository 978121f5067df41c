package org.qpert.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.qpert.core.backend.CpuBackend;
import org.qpert.core.backend.Half;
import org.qpert.core.model.blip2.Blip2PerturbedImage;
import org.qpert.core.model.blip2.Blip2Retrieval;
import org.qpert.core.model.blip2.ImageContext;
import org.qpert.core.qpert.Box;
import org.qpert.core.qpert.Perturbation;
import org.qpert.engine.DatasetLayout;
import org.qpert.engine.DemoModel;
import org.qpert.engine.Gallery;
import org.qpert.engine.GalleryImage;
import org.qpert.engine.ModelEngine;
import org.qpert.engine.RetrievalEngine;
import org.qpert.engine.StoreZ;
import org.qpert.engine.StoredImage;
import org.qpert.loaders.safetensors.DType;
import org.qpert.loaders.store.EmbeddingStore;
import org.qpert.loaders.store.StoreSpec;
import org.qpert.loaders.synthetic.SyntheticDataset;

/**
 * What keeping the ViT output Z in 16 bits does to ITM re-ranking (issue 15 §4): the ITM logits (perturbed, P̄
 * recomputed from the stored Z as the engine does) of every image with every caption from F16- and BF16-rounded Z
 * against float32 Z, their largest absolute error and largest relative error (over the logits at least a tenth of the
 * largest in size), and whether the order of ITM + ITC (the re-ranked
 * score; ITC does not read Z) changes for any caption; and the store bytes per image with Z in F32, F16, BF16 and
 * without Z, from stores written by {@link EmbeddingStore}. Two models: the bundled tiny BLIP-2 on generated
 * images, and blip2-itm-vit-g sizes with random weights on random pixels and random token ids.
 *
 * <p>Usage: {@code ZPrecisionBench [real-size images] [captions] [ViT layers]}, default 3 6 2 (the ViT depth only
 * shapes Z's values; the Q-Former that reads Z is always the full 12 layers).
 */
public final class ZPrecisionBench {
    private static final List<Box> BOXES = List.of(new Box(30, 40, 150, 200), new Box(100, 10, 220, 120));

    private ZPrecisionBench() {
    }

    /** ITM class-1 logits of image {@code i} with every caption, given the Z to read. */
    interface Itm {
        float[] logits(int i, float[] z);
    }

    public static void main(String[] args) throws IOException {
        int images = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int captions = args.length > 1 ? Integer.parseInt(args[1]) : 6;
        int layers = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        Path work = Files.createTempDirectory("zprecision");
        try {
            tiny(work);
            realSize(work, images, captions, layers);
        } finally {
            try (Stream<Path> s = Files.walk(work)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void tiny(Path work) throws IOException {
        Path model = DemoModel.extract(work.resolve("model"));
        SyntheticDataset.write(work.resolve("data"), SyntheticDataset.Layout.FLICKR30K, 12, 0, 5);
        Gallery gallery = DatasetLayout.FLICKR30K.load(work.resolve("data"), null, 0);
        try (ModelEngine engine = ModelEngine.load(model, Perturbation.published())) {
            List<GalleryImage> images = gallery.images();
            List<String> captions = gallery.captions();
            List<RetrievalEngine.EmbeddedImage> embedded = new ArrayList<>();
            for (GalleryImage g : images) {
                embedded.add(engine.embed(g.file(), g.boxes()));
            }
            float[] textFeatures = engine.textFeatures(captions);
            int dim = engine.featureShape()[1];
            float[][] itc = new float[images.size()][captions.size()];
            for (int i = 0; i < images.size(); i++) {
                for (int t = 0; t < captions.size(); t++) {
                    itc[i][t] = Blip2Retrieval.itc(embedded.get(i).perturbedFeatures(),
                            Arrays.copyOfRange(textFeatures, t * dim, (t + 1) * dim));
                }
            }
            List<float[]> zs = embedded.stream().map(RetrievalEngine.EmbeddedImage::imageEmbeds).toList();
            compare("tiny", zs, itc, (i, z) -> engine.itm(z, embedded.get(i).height(), embedded.get(i).width(),
                    images.get(i).boxes(), true, captions));
            for (StoreZ option : StoreZ.values()) {
                StoreSpec spec = StoredImage.spec(engine, option);
                List<Map<String, float[]>> values = new ArrayList<>();
                for (RetrievalEngine.EmbeddedImage e : embedded) {
                    Map<String, float[]> v = new LinkedHashMap<>();
                    if (option != StoreZ.NONE) {
                        v.put(StoredImage.Z, e.imageEmbeds());
                    }
                    v.put(StoredImage.ITC, e.features());
                    v.put(StoredImage.ITC_QPERT, e.perturbedFeatures());
                    values.add(v);
                }
                storeBytes("tiny", option, work.resolve("tiny-" + option), spec, values);
            }
        }
    }

    private static void realSize(Path work, int images, int captions, int layers) throws IOException {
        CpuBackend cpu = new CpuBackend();
        System.out.println("# real sizes: blip2-itm-vit-g widths at 224 px, random weights, " + layers
                + " ViT layers (of 39), " + images + " images, " + captions + " captions, backend " + cpu.describe());
        Blip2Retrieval model = Blip2Retrieval.load(RandomWeights.realSizes(224, layers), RandomWeights.sharedByShape(),
                cpu);
        SplittableRandom r = new SplittableRandom(11);
        List<int[]> ids = new ArrayList<>();
        for (int t = 0; t < captions; t++) {
            int[] c = new int[8 + r.nextInt(8)];
            c[0] = 101; // [CLS] … [SEP], random word pieces between
            for (int k = 1; k < c.length - 1; k++) {
                c[k] = 1000 + r.nextInt(29000);
            }
            c[c.length - 1] = 102;
            ids.add(c);
        }
        List<int[]> masks = ids.stream().map(c -> { int[] m = new int[c.length]; Arrays.fill(m, 1); return m; })
                .toList();
        List<float[]> text = model.textFeatures(ids, masks);
        List<float[]> zs = new ArrayList<>();
        float[][] itc = new float[images][captions];
        List<float[]> plainFeatures = new ArrayList<>(), perturbedFeatures = new ArrayList<>();
        for (int i = 0; i < images; i++) {
            float[] px = new float[3 * 224 * 224];
            for (int k = 0; k < px.length; k++) {
                px[k] = (float) (r.nextDouble() * 4 - 2);
            }
            try (ImageContext context = model.encodeImage(px)) {
                Blip2PerturbedImage image = Blip2PerturbedImage.of(model, context, 224, 224, BOXES, Perturbation.published());
                zs.add(cpu.download(context.imageEmbeds()));
                float[] features = model.imageFeatures(context, image.perturbation());
                perturbedFeatures.add(features);
                plainFeatures.add(model.imageFeatures(context, org.qpert.core.model.QueryPerturbation.NONE));
                for (int t = 0; t < captions; t++) {
                    itc[i][t] = Blip2Retrieval.itc(features, text.get(t));
                }
            }
        }
        compare("real-size", zs, itc, (i, z) -> {
            try (ImageContext context = model.contextOf(cpu.upload(z, 257, 1408))) {
                Blip2PerturbedImage image = Blip2PerturbedImage.of(model, context, 224, 224, BOXES, Perturbation.published());
                List<Blip2Retrieval.ItmPair> pairs = new ArrayList<>();
                for (int t = 0; t < captions; t++) {
                    pairs.add(new Blip2Retrieval.ItmPair(context, image.perturbation(), ids.get(t), masks.get(t)));
                }
                List<float[]> logits = model.itmLogits(pairs);
                float[] out = new float[captions];
                for (int t = 0; t < captions; t++) {
                    out[t] = logits.get(t)[1];
                }
                return out;
            }
        });
        for (StoreZ option : StoreZ.values()) {
            Map<String, int[]> fields = new LinkedHashMap<>();
            if (option != StoreZ.NONE) {
                fields.put(StoredImage.Z, new int[] {257, 1408});
            }
            fields.put(StoredImage.ITC, new int[] {32, 256});
            fields.put(StoredImage.ITC_QPERT, new int[] {32, 256});
            StoreSpec spec = new StoreSpec(Map.of("model", "random"), fields,
                    option == StoreZ.NONE ? Map.of() : Map.of(StoredImage.Z, option.dtype()));
            List<Map<String, float[]>> values = new ArrayList<>();
            for (int i = 0; i < images; i++) {
                Map<String, float[]> v = new LinkedHashMap<>();
                if (option != StoreZ.NONE) {
                    v.put(StoredImage.Z, zs.get(i));
                }
                v.put(StoredImage.ITC, plainFeatures.get(i));
                v.put(StoredImage.ITC_QPERT, perturbedFeatures.get(i));
                values.add(v);
            }
            storeBytes("real-size", option, work.resolve("real-" + option), spec, values);
        }
    }

    /** Z rounded to {@code dtype} and widened back, as a 16-bit store returns it. */
    static float[] rounded(float[] z, DType dtype) {
        float[] out = new float[z.length];
        for (int k = 0; k < z.length; k++) {
            out[k] = dtype == DType.F16 ? Half.f16ToFloat(Half.floatToF16(z[k]))
                    : Half.bf16ToFloat(Half.floatToBf16(z[k]));
        }
        return out;
    }

    private static void compare(String label, List<float[]> zs, float[][] itc, Itm itm) {
        int n = zs.size(), captions = itc[0].length;
        float[][] reference = new float[n][];
        double scale = 0, zMax = 0;
        for (int i = 0; i < n; i++) {
            reference[i] = itm.logits(i, zs.get(i));
            for (float v : reference[i]) {
                scale = Math.max(scale, Math.abs(v));
            }
            for (float v : zs.get(i)) {
                zMax = Math.max(zMax, Math.abs(v));
            }
        }
        System.out.printf("%s: %d images x %d captions, max |Z| %.3g, max |ITM logit| (F32 Z) %.4f%n", label, n,
                captions, zMax, scale);
        for (DType dtype : new DType[] {DType.F16, DType.BF16}) {
            double maxAbs = 0, maxRel = 0, sumAbs = 0;
            float[][] logits = new float[n][];
            for (int i = 0; i < n; i++) {
                logits[i] = itm.logits(i, rounded(zs.get(i), dtype));
                for (int t = 0; t < captions; t++) {
                    double d = Math.abs(logits[i][t] - reference[i][t]);
                    maxAbs = Math.max(maxAbs, d);
                    if (Math.abs(reference[i][t]) >= 0.1 * scale) { // relative error of logits near 0 means little
                        maxRel = Math.max(maxRel, d / Math.abs(reference[i][t]));
                    }
                    sumAbs += d;
                }
            }
            int reordered = 0;
            for (int t = 0; t < captions; t++) {
                if (!order(reference, itc, t).equals(order(logits, itc, t))) {
                    reordered++;
                }
            }
            System.out.printf("%s z=%s: itm_max_abs_err=%.3g itm_max_rel_err=%.3g itm_mean_abs_err=%.3g "
                    + "rerank_order_changed=%d/%d captions%n", label, dtype.name().toLowerCase(java.util.Locale.ROOT),
                    maxAbs, maxRel, sumAbs / (n * captions), reordered, captions);
        }
    }

    /** Images by ITM + ITC for caption t, best first, ties by gallery order (the re-ranked top k with k = all). */
    private static List<Integer> order(float[][] itm, float[][] itc, int t) {
        return IntStream.range(0, itm.length).boxed()
                .sorted((a, b) -> Float.compare(itm[b][t] + itc[b][t], itm[a][t] + itc[a][t])).toList();
    }

    private static void storeBytes(String label, StoreZ option, Path dir, StoreSpec spec,
                                   List<Map<String, float[]>> values) throws IOException {
        try (EmbeddingStore store = EmbeddingStore.open(dir, spec, values.size())) {
            for (int i = 0; i < values.size(); i++) {
                store.add("img" + i, values.get(i));
            }
        }
        long bytes;
        try (Stream<Path> s = Files.list(dir)) {
            bytes = s.filter(p -> p.getFileName().toString().startsWith("shard-")).mapToLong(p -> p.toFile().length())
                    .sum();
        }
        System.out.printf("%s store_z=%s: shard_bytes_per_image=%d%n", label, option, bytes / values.size());
    }
}
