package org.qpert.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.qpert.core.backend.CpuBackend;
import org.qpert.core.backend.DType;
import org.qpert.core.model.ActivationSink;
import org.qpert.core.model.QueryPerturbation;
import org.qpert.core.model.internvl.InternvlConfig;
import org.qpert.core.model.internvl.InternvlImage;
import org.qpert.core.model.internvl.InternvlRetrieval;
import org.qpert.core.model.internvl.InternvlVariant;
import org.qpert.loaders.config.InternvlConfigReader;

/**
 * qpert's InternVL-14B (the real checkpoint's sizes from config.json defaults: InternViT-6B 3200 × 48 layers at 224 px,
 * QLLaMA 4096 × 32 layers, 96 queries; random BF16 weights) on the CPU backend. The whole model in 16 bits is 27.7 GB,
 * more than a 24 GiB machine, so one run loads part of it, as the argument says:
 * <ul>
 * <li>{@code image}: InternVL-C with InternViT at {@code LAYERS} layers (48 is the real model) and QLLaMA cut to one
 * (InternVL-C's image embedding never runs QLLaMA): {@code image_s} = one 224 × 224 image through InternViT and the
 * pooling.</li>
 * <li>{@code text}: InternVL-C with InternViT cut to one layer and QLLaMA at {@code LAYERS} layers: {@code text32_s} =
 * one caption of 32 tokens through QLLaMA (the time grows with the layers: 32 is the real model).</li>
 * </ul>
 * Prints the load time, the median of {@code RUNS} runs after one warm-up, and the peak resident memory (VmHWM).
 *
 * <pre>java --add-modules jdk.incubator.vector -Xmx2g -cp bench/target/benchmarks.jar org.qpert.bench.InternvlBench \
 *     image|text [RUNS [LAYERS]]</pre>
 */
public final class InternvlBench {
    private InternvlBench() {
    }

    public static void main(String[] args) throws IOException {
        String mode = args.length > 0 ? args[0] : "image";
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        InternvlConfig real = InternvlConfigReader.parse("{\"model_type\": \"internvl\"}", "real sizes");
        boolean image = mode.equals("image");
        InternvlConfig.Vision v = real.vision();
        InternvlConfig.Qllama q = real.qllama();
        int layers = args.length > 2 ? Integer.parseInt(args[2]) : image ? v.layers() : q.layers();
        InternvlConfig cfg = new InternvlConfig(new InternvlConfig.Vision(v.width(), image ? layers : 1, v.heads(),
                v.mlp(), v.imageSize(), v.patchSize(), v.eps(), v.qkvBias(), v.qkNorm()),
                new InternvlConfig.Qllama(q.width(), image ? 1 : layers, q.heads(), q.mlp(), q.vocab(), q.eps(),
                        q.ropeTheta(), q.crossFrequency()), real.queries(), real.poolHeads(), real.embedDim(),
                real.architecture());
        try (CpuBackend backend = new CpuBackend()) {
            long t0 = System.nanoTime();
            InternvlRetrieval model = InternvlRetrieval.load(cfg, InternvlVariant.C,
                    RandomWeights.sharedByShape(DType.BF16), backend);
            System.out.printf(Locale.ROOT, "# qpert InternVL-C BF16 weights, InternViT %d layers, QLLaMA %d layers, %d"
                    + " threads, loaded in %.1f s, peak RSS %.1f GiB%n", cfg.vision().layers(), cfg.qllama().layers(),
                    Runtime.getRuntime().availableProcessors(), (System.nanoTime() - t0) / 1e9, peakGib());
            SplittableRandom r = new SplittableRandom(1);
            if (image) {
                float[] pixels = new float[3 * v.imageSize() * v.imageSize()];
                for (int i = 0; i < pixels.length; i++) {
                    pixels[i] = (float) r.nextGaussian();
                }
                double s = median(runs, () -> {
                    List<InternvlImage> encoded = model.encodeImages(List.of(pixels));
                    model.imageFeatures(encoded, List.of(QueryPerturbation.NONE));
                    encoded.forEach(InternvlImage::close);
                });
                System.out.printf(Locale.ROOT, "image_s=%.2f%n", s);
            } else {
                int[] ids = new int[32];
                ids[0] = 1;
                for (int i = 1; i < 31; i++) {
                    ids[i] = 3 + r.nextInt(q.vocab() - 3);
                }
                ids[31] = 2;
                double s = median(runs, () -> model.textFeatures(List.of(ids), ActivationSink.NONE));
                System.out.printf(Locale.ROOT, "text32_s=%.2f%n", s);
            }
            System.out.printf(Locale.ROOT, "peak_rss_gib=%.1f%n", peakGib());
        }
    }

    /** VmHWM of this process (Linux), else NaN. */
    private static double peakGib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / (1024.0 * 1024.0);
                }
            }
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }

    private static double median(int runs, Runnable step) {
        step.run();
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            step.run();
            times.add((System.nanoTime() - t0) / 1e9);
        }
        double[] sorted = times.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }
}
