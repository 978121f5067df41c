package org.qpert.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;

import org.qpert.core.backend.Tensor;
import org.qpert.core.backend.WeightData;
import org.qpert.core.model.QueryPerturbation;
import org.qpert.core.model.VisionConfig;
import org.qpert.core.model.blip2.Blip2Config;
import org.qpert.core.model.blip2.Blip2Retrieval;
import org.qpert.core.model.blip2.ImageContext;
import org.qpert.core.model.blip2.QFormerConfig;
import org.qpert.core.qpert.Box;
import org.qpert.core.qpert.ImageObject;
import org.qpert.core.qpert.ImagePerturbation;
import org.qpert.core.qpert.ImagePerturbationBuilder;
import org.qpert.core.qpert.ImagePerturbationBuilder.LayerKeys;
import org.qpert.core.qpert.Perturbation;
import org.qpert.kernels.CudaAvailability;
import org.qpert.kernels.CudaBackend;
import org.qpert.kernels.PeakThroughput;
import org.qpert.kernels.Precision;

/**
 * GPU benchmarks run by the device harness (kernels/device/run.sh): GEMM TFLOP/s per precision and path against the
 * card's measured peak, Q-Perturbation per image through the production path, and images/s of the real-size BLIP-2
 * (ViT-g + Q-Former, ITC image pass) with random weights. Without a GPU it says so and exits 0. {@code --quick} shortens every part.
 */
public final class GpuBenchmark {
    private final boolean quick;

    private GpuBenchmark(boolean quick) {
        this.quick = quick;
    }

    public static void main(String[] args) {
        Locale.setDefault(Locale.ROOT);
        CudaAvailability cuda = CudaAvailability.probe();
        if (!cuda.available()) {
            System.out.println("GPU benchmarks skipped: " + cuda.reason());
            return;
        }
        System.out.println("device: " + cuda.reason() + "; JVM " + System.getProperty("java.vm.name") + " "
                + Runtime.version());
        GpuBenchmark b = new GpuBenchmark(Arrays.asList(args).contains("--quick"));
        b.gemm();
        b.perturbation();
        b.model();
    }

    private static CudaBackend open(Precision p, boolean vendor) {
        return CudaBackend.open(new CudaBackend.Options(p, false, vendor));
    }

    private void gemm() {
        int[][] shapes = {{257 * 8, 6144, 1408}, {4096, 4096, 4096}};
        Random rnd = new Random(1);
        for (Precision p : Precision.values()) {
            double peak;
            try (CudaBackend own = open(p, false)) {
                peak = PeakThroughput.measureTflops(own, p);
                System.out.printf("gemm %s: measured peak %.1f TFLOP/s (%s)%n", p, peak,
                        p == Precision.F32 ? "FMA" : "mma.sync");
                for (int[] s : shapes) {
                    report(own, "own kernels", p, s, peak, rnd);
                }
            }
            try (CudaBackend vendor = open(p, true)) {
                if (vendor.paths().startsWith("GEMM: cuBLAS")) {
                    for (int[] s : shapes) {
                        report(vendor, "cuBLAS", p, s, peak, rnd);
                    }
                } else {
                    System.out.println("gemm " + p + " cuBLAS: not measured, " + vendor.paths());
                }
            }
        }
    }

    private final Map<String, float[]> inputs = new HashMap<>();

    /** The same random operands for every precision and path (generating them costs more than the GEMMs). */
    private float[] operand(String key, int n, Random rnd) {
        return inputs.computeIfAbsent(key, k -> random(rnd, n));
    }

    private void report(CudaBackend b, String path, Precision p, int[] s, double peak, Random rnd) {
        int m = s[0], n = s[1], k = s[2], reps = quick ? 3 : 10;
        Tensor x = b.upload(operand("x" + m + "x" + k, m * k, rnd), m, k);
        Tensor w = b.weight(WeightData.f32(operand("w" + n + "x" + k, n * k, rnd), n, k));
        for (int i = 0; i < 2; i++) {
            b.linear(x, w, null);
        }
        b.synchronize();
        long t0 = System.nanoTime();
        for (int i = 0; i < reps; i++) {
            b.linear(x, w, null);
        }
        b.synchronize();
        double sec = (System.nanoTime() - t0) / 1e9 / reps;
        double tflops = 2.0 * m * n * k / sec / 1e12;
        System.out.printf("gemm %s %-11s [%d x %d]·[%d x %d]ᵀ: %.3f ms, %.1f TFLOP/s = %.0f%% of measured peak%n", p,
                path, m, k, n, k, sec * 1e3, tflops, 100 * tflops / peak);
    }

    /**
     * Per image, the production path of Q-Perturbation with the published setting: 4 boxes, 6 cross-attention layers ×
     * 12 heads × 64, T = 257 (BLIP-2 at 224). Token weights on the host (core's coverage, as every family gets them),
     * P̄ through {@code Backend.meanProjectors} with the keys on the device, then q' = q + P̄q on 32 queries per layer.
     */
    private void perturbation() {
        int layers = 6, heads = 12, d = 64, width = heads * d, tokens = 257, height = 375, imageWidth = 500;
        int images = quick ? 3 : 20;
        Random rnd = new Random(2);
        List<Box> boxes = List.of(new Box(10, 20, 160, 150), new Box(300, 200, 340, 236), new Box(0, 0, 500, 120),
                new Box(420, 310, 470, 360));
        try (CudaBackend b = open(Precision.F32, true)) {
            List<LayerKeys> keys = new ArrayList<>();
            for (int l = 0; l < layers; l++) {
                keys.add(new LayerKeys(l, b.upload(random(rnd, tokens * width), tokens, width)));
            }
            Tensor queries = b.upload(random(rnd, 32 * width), 32, width);
            ImagePerturbationBuilder builder = new ImagePerturbationBuilder(b, Perturbation.published());
            double[] phase = new double[3];
            int maxCount = 0;
            for (int img = -2; img < images; img++) {  // two warm-up images
                long t0 = System.nanoTime();
                List<ImageObject> objects = ImageObject.of(boxes, height, imageWidth, 224, 14, Perturbation.published());
                long t1 = System.nanoTime();
                ImagePerturbation p = builder.build(objects, keys, heads);
                b.synchronize();
                long t2 = System.nanoTime();
                List<Tensor> perturbed = new ArrayList<>();
                for (int l : p.layers()) {
                    perturbed.add(b.perturbQueries(queries, p.pbar(l), heads));
                }
                b.synchronize();
                long t3 = System.nanoTime();
                perturbed.forEach(Tensor::close);  // device buffers go back to the cache before the next image
                for (int l : p.layers()) {
                    p.pbar(l).close();
                }
                if (img >= 0) {
                    phase[0] += (t1 - t0) / 1e6;
                    phase[1] += (t2 - t1) / 1e6;
                    phase[2] += (t3 - t2) / 1e6;
                }
                maxCount = objects.stream().mapToInt(ImageObject::coveredTokens).max().orElse(0);
            }
            System.out.printf("perturbation per image (4 boxes, max %d tokens, 6 layers x 12 heads x 64): token weights "
                    + "(host) %.2f ms, P̄ through Backend.meanProjectors (keys on the device, eigen: %s) %.2f ms, "
                    + "q' = q + P̄q (32 queries, 6 layers) %.2f ms%n", maxCount, phase[0] / images,
                    b.paths().replaceAll(".*eigen: ", ""), phase[1] / images, phase[2] / images);
        }
    }

    /** Real-size BLIP-2 (blip2-itm-vit-g) image pass: ViT-g at 224 + Q-Former ITC + projection, per image. */
    private void model() {
        Blip2Config cfg = new Blip2Config(VisionConfig.defaults(), QFormerConfig.defaults().withEncoderHiddenSize(1408),
                32, 256, OptionalInt.empty());
        RandomWeights weights = new RandomWeights();
        Random rnd = new Random(3);
        int images = quick ? 3 : 10;
        for (Precision p : new Precision[] {Precision.F32, Precision.TF32, Precision.BF16}) {
            try (CudaBackend b = open(p, true)) {
                long l0 = System.nanoTime();
                Blip2Retrieval model = Blip2Retrieval.load(cfg, weights, b);
                b.synchronize();
                double loadSec = (System.nanoTime() - l0) / 1e9;
                float[] pixels = random(rnd, 3 * 224 * 224);
                for (int i = 0; i < 2; i++) {
                    embed(model, pixels);
                }
                long t0 = System.nanoTime();
                for (int i = 0; i < images; i++) {
                    embed(model, pixels);
                }
                double sec = (System.nanoTime() - t0) / 1e9;
                System.out.printf("model %s (%s): %.2f images/s (%.1f ms/image over %d), weights loaded in %.1f s%n", p,
                        b.paths().replaceAll(";.*", ""), images / sec, sec * 1e3 / images, images, loadSec);
            }
        }
    }

    private static void embed(Blip2Retrieval model, float[] pixels) {
        ImageContext image = model.encodeImage(pixels);
        float[] features = model.imageFeatures(image, QueryPerturbation.NONE);
        if (features.length != 32 * 256) {
            throw new IllegalStateException("image features of length " + features.length);
        }
    }

    private static float[] random(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }
}
