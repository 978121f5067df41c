package org.qpert.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.CpuBackend;
import org.qpert.core.backend.Tensor;
import org.qpert.core.model.ActivationSink;
import org.qpert.core.model.QueryPerturbation;
import org.qpert.core.model.blip2.Blip2PerturbedImage;
import org.qpert.core.model.blip2.Blip2Retrieval;
import org.qpert.core.model.blip2.ImageContext;
import org.qpert.core.qpert.Box;
import org.qpert.core.qpert.ImageObject;
import org.qpert.core.qpert.ImagePerturbationBuilder.LayerKeys;
import org.qpert.core.qpert.ImagePerturbationBuilder;
import org.qpert.core.qpert.Perturbation;

/**
 * The measurements of {@link PerturbationBenchmark} and {@link QFormerPassBenchmark} in thread CPU time (best of
 * several runs), which a shared, loaded machine does not inflate the way it inflates wall time: P̄ build per image
 * for 1/4/16 small/large boxes, one Q-Former image pass plain and perturbed, and the perturbQueries work alone.
 * Run: {@code java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar org.qpert.bench.PerturbationCpuTime}.
 */
public final class PerturbationCpuTime {
    private static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();
    private static final long WARM_UP_NANOS = 5_000_000_000L;

    private PerturbationCpuTime() {
    }

    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("share")) {
            share();
            return;
        }
        Perturbation settings = Perturbation.published();
        for (int tokens : new int[] {257, 677}) {
            int imageSize = (int) Math.round(Math.sqrt(tokens - 1)) * 14;
            Blip2Retrieval model = Blip2Retrieval.load(RandomWeights.realSizes(imageSize, 1), new RandomWeights(1),
                    new CpuBackend());
            Backend b = model.backend();
            Random random = new Random(42);
            float[] pixels = new float[3 * imageSize * imageSize];
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = (float) random.nextGaussian();
            }
            Blip2PerturbedImage image = Blip2PerturbedImage.encode(model, pixels, PerturbationBenchmark.HEIGHT,
                    PerturbationBenchmark.WIDTH, PerturbationBenchmark.boxes(random, 4, 0.2), settings);
            double plain = best(3, () -> model.queryOutput(image.context(), QueryPerturbation.NONE, ActivationSink.NONE));
            double perturbed = best(3, () -> model.queryOutput(image.context(), image.perturbation(),
                    ActivationSink.NONE));
            Tensor q = b.upload(new float[32 * 768], 32, 768);
            double extra = best(20, () -> {
                Tensor last = null;
                for (int l : model.config().qformer().crossAttentionLayers()) {
                    last = b.perturbQueries(q, image.perturbation().pbar(l), 12);
                }
                return last;
            });
            System.out.printf("T=%d: Q-Former image pass plain %.1f ms, perturbed (4 small) %.1f ms, perturbQueries"
                    + " of 6 layers %.2f ms (CPU time)%n", tokens, plain, perturbed, extra);
            List<LayerKeys> keys = PerturbationBenchmark.randomKeys(b, new Random(42), tokens);
            for (String size : new String[] {"small", "large"}) {
                for (int objects : new int[] {1, 4, 16}) {
                    List<Box> boxes = PerturbationBenchmark.boxes(new Random(7), objects, size.equals("small") ? 0.2
                            : 0.6);
                    double ms = best(5, () -> new ImagePerturbationBuilder(b, settings).build(
                            ImageObject.of(boxes, PerturbationBenchmark.HEIGHT, PerturbationBenchmark.WIDTH,
                                    imageSize, 14, settings), keys, 12));
                    System.out.printf("T=%d P̄ build %2d %-5s boxes: %8.1f ms = %5.2f%% of a plain pass%n", tokens,
                            objects, size, ms, 100 * ms / plain);
                }
            }
        }
    }

    /**
     * {@code pbar_share=}: the P̄ build for 4 small boxes over one plain Q-Former image pass at T = 257, both in thread
     * CPU time, for bench/compare-cpu.sh.
     */
    private static void share() {
        Perturbation settings = Perturbation.published();
        int imageSize = 224, tokens = 257;
        Blip2Retrieval model = Blip2Retrieval.load(RandomWeights.realSizes(imageSize, 1), new RandomWeights(1),
                new CpuBackend());
        Backend b = model.backend();
        Random random = new Random(42);
        float[] pixels = new float[3 * imageSize * imageSize];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) random.nextGaussian();
        }
        ImageContext context = model.encodeImage(pixels);
        double plain = best(3, () -> model.queryOutput(context, QueryPerturbation.NONE, ActivationSink.NONE));
        List<LayerKeys> keys = PerturbationBenchmark.randomKeys(b, new Random(42), tokens);
        List<Box> boxes = PerturbationBenchmark.boxes(new Random(7), 4, 0.2);
        double pbar = best(5, () -> new ImagePerturbationBuilder(b, settings).build(ImageObject.of(boxes,
                PerturbationBenchmark.HEIGHT, PerturbationBenchmark.WIDTH, imageSize, 14, settings), keys, 12));
        System.out.printf("# T=257: P̄ build for 4 small boxes %.1f ms, plain Q-Former image pass %.1f ms (CPU time)%n",
                pbar, plain);
        System.out.printf("pbar_share=%.3f%n", pbar / plain);
    }

    /**
     * Best thread CPU time in ms of {@code runs} calls, after calling for at least {@link #WARM_UP_NANOS} (and at
     * least twice): counted warm-up calls were not enough, P̄ builds measured after 4 calls took 3x their steady time.
     */
    private static double best(int runs, Supplier<?> work) {
        long start = System.nanoTime();
        for (int w = 0; w < 2 || System.nanoTime() - start < WARM_UP_NANOS; w++) {
            work.get();
        }
        double best = Double.MAX_VALUE;
        for (int r = 0; r < runs; r++) {
            long t0 = MX.getCurrentThreadCpuTime();
            work.get();
            best = Math.min(best, (MX.getCurrentThreadCpuTime() - t0) / 1e6);
        }
        return best;
    }
}
