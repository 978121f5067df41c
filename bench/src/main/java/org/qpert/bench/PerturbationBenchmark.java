package org.qpert.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.CpuBackend;
import org.qpert.core.qpert.Box;
import org.qpert.core.qpert.ImageObject;
import org.qpert.core.qpert.ImagePerturbation;
import org.qpert.core.qpert.ImagePerturbationBuilder;
import org.qpert.core.qpert.ImagePerturbationBuilder.LayerKeys;
import org.qpert.core.qpert.Perturbation;

/**
 * Building P̄ for one image at real sizes: keys of 6 cross-attention layers [T, 768] (12 heads of d = 64), T = 257
 * (S = 224) or 677 (S = 364); 1, 4 or 16 boxes on a 480 × 640 image, small (0.2 × 0.2 of the image, 4 % of its
 * area: fewer covered tokens than d, the Gram path) or large (0.6 × 0.6, 36 %: the d × d path). Timed: token coverage
 * of every box, all eigenproblems, P̄ and its upload.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
public class PerturbationBenchmark {
    static final int HEIGHT = 480, WIDTH = 640, HIDDEN = 768, HEADS = 12;
    static final int[] CROSS_LAYERS = {0, 2, 4, 6, 8, 10};

    @Param({"257", "677"})
    int tokens;

    @Param({"1", "4", "16"})
    int objects;

    @Param({"small", "large"})
    String box;

    final Backend backend = new CpuBackend();
    final Perturbation settings = Perturbation.published();
    List<LayerKeys> keys;
    List<Box> boxes;
    int imageSize;

    @Setup
    public void setUp() {
        imageSize = (int) Math.round(Math.sqrt(tokens - 1)) * 14;
        Random random = new Random(42);
        keys = randomKeys(backend, random, tokens);
        boxes = boxes(random, objects, box.equals("small") ? 0.2 : 0.6);
    }

    static List<LayerKeys> randomKeys(Backend backend, Random random, int tokens) {
        List<LayerKeys> keys = new ArrayList<>();
        for (int l : CROSS_LAYERS) {
            float[] k = new float[tokens * HIDDEN];
            for (int i = 0; i < k.length; i++) {
                k[i] = (float) (random.nextGaussian() + 0.3);
            }
            keys.add(new LayerKeys(l, backend.upload(k, tokens, HIDDEN)));
        }
        return keys;
    }

    /** {@code count} boxes of {@code side} × the image's width and height, at random places inside the image. */
    static List<Box> boxes(Random random, int count, double side) {
        List<Box> out = new ArrayList<>();
        double w = side * WIDTH, h = side * HEIGHT;
        for (int j = 0; j < count; j++) {
            double x0 = random.nextDouble() * (WIDTH - w), y0 = random.nextDouble() * (HEIGHT - h);
            out.add(new Box(x0, y0, x0 + w, y0 + h));
        }
        return out;
    }

    @Benchmark
    public ImagePerturbation buildPbar() {
        List<ImageObject> objs = ImageObject.of(boxes, HEIGHT, WIDTH, imageSize, 14, settings);
        return new ImagePerturbationBuilder(backend, settings).build(objs, keys, HEADS);
    }

}
