package org.qpert.bench;

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
import org.qpert.loaders.image.Owlv2ImageProcessor;
import org.qpert.loaders.image.RgbImage;

/**
 * OWLv2 preprocessing to 960 × 960 (one thread, decoded image in memory): a 640 × 480 photo (upsampled, no filter),
 * 1280 × 1000 (σ 0.17, 2 + 2 taps per axis) and 4032 × 3024 (a phone photo: σ 1.6, 16 taps per axis).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class Owlv2PreprocessBenchmark {
    @Param({"640x480", "1280x1000", "4032x3024"})
    public String image;

    RgbImage rgb;
    final Owlv2ImageProcessor processor = new Owlv2ImageProcessor(960);

    @Setup
    public void decode() {
        String[] wh = image.split("x");
        int w = Integer.parseInt(wh[0]);
        int h = Integer.parseInt(wh[1]);
        byte[] px = new byte[w * h * 3];
        new Random(1).nextBytes(px);
        rgb = new RgbImage(w, h, px);
    }

    @Benchmark
    public float[] pixelValues() {
        return processor.pixelValues(rgb);
    }
}
