package org.qpert.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.qpert.core.backend.CpuBackend;
import org.qpert.core.backend.DType;
import org.qpert.core.model.ActivationSink;
import org.qpert.core.model.QueryPerturbation;
import org.qpert.core.model.coca.CocaConfig;
import org.qpert.core.model.coca.CocaImage;
import org.qpert.core.model.coca.CocaRetrieval;

/**
 * qpert's CoCa ViT-L/14 (open_clip's {@code coca_ViT-L-14} sizes, random weights) on the CPU backend, timed as
 * bench/python/torch_coca.py times open_clip: {@code image_ms} = one 224 × 224 image through the ViT, the pooler,
 * ln_post and the projection (normalized); {@code text20_ms} = one caption of 20 tokens (SOT, 18 ids, EOT) through the
 * text tower. Median of the runs after two warm-ups; weights stored as {@code F32} or {@code BF16} (argument 3).
 *
 * <pre>java --add-modules jdk.incubator.vector -Xmx6g -cp bench/target/benchmarks.jar org.qpert.bench.CocaBench \
 *     [RUNS [TEXT_RUNS [F32|BF16]]]</pre>
 */
public final class CocaBench {
    private CocaBench() {
    }

    public static void main(String[] args) {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int textRuns = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        DType dtype = args.length > 2 ? DType.valueOf(args[2]) : DType.F32;
        CocaConfig cfg = CocaConfig.vitL14();
        try (CpuBackend backend = new CpuBackend()) {
            long t0 = System.nanoTime();
            CocaRetrieval model = CocaRetrieval.load(cfg, RandomWeights.sharedByShape(dtype), backend);
            System.out.printf(Locale.ROOT, "# qpert CoCa ViT-L/14 %s weights, %d threads, loaded in %.1f s%n", dtype,
                    Runtime.getRuntime().availableProcessors(), (System.nanoTime() - t0) / 1e9);
            float[] pixels = new float[3 * 224 * 224];
            SplittableRandom r = new SplittableRandom(1);
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = (float) r.nextGaussian();
            }
            int[] ids = new int[20];
            ids[0] = 49406;
            for (int i = 1; i < 19; i++) {
                ids[i] = 1 + r.nextInt(49404);
            }
            ids[19] = 49407;
            double image = median(runs, () -> {
                List<CocaImage> encoded = model.encodeImages(List.of(pixels));
                model.imageFeatures(encoded, List.of(QueryPerturbation.NONE));
                encoded.forEach(CocaImage::close);
            });
            double text = median(textRuns, () -> model.textFeatures(List.of(ids), ActivationSink.NONE));
            System.out.printf(Locale.ROOT, "image_ms=%.1f%ntext20_ms=%.2f%n", image, text);
        }
    }

    private static double median(int runs, Runnable step) {
        for (int i = 0; i < 2; i++) {
            step.run();
        }
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            step.run();
            times.add((System.nanoTime() - t0) / 1e6);
        }
        double[] sorted = times.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }
}
