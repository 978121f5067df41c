package org.qpert.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.qpert.core.backend.CpuBackend;
import org.qpert.core.model.QueryPerturbation;
import org.qpert.core.model.blip2.Blip2Retrieval;
import org.qpert.core.model.blip2.ImageContext;
import org.qpert.loaders.config.Blip2ConfigReader;
import org.qpert.loaders.safetensors.SafetensorsWeights;

/**
 * One forward of the tiny parity model (testdata/parity/tiny-blip2): the baseline later work compares against.
 * Run from the repository root (or set -Dqpert.tiny=DIR).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class TinyForwardBenchmark {
    Blip2Retrieval model;
    float[] pixels;
    ImageContext image;
    int[] ids = {1, 17, 42, 9, 63, 2, 5};

    @Setup
    public void load() throws IOException {
        Path dir = Path.of(System.getProperty("qpert.tiny", "testdata/parity/tiny-blip2"));
        try (SafetensorsWeights w = SafetensorsWeights.open(dir)) {
            model = Blip2Retrieval.load(Blip2ConfigReader.read(dir), w, new CpuBackend());
        }
        pixels = new float[3 * 56 * 56];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) Math.sin(i * 0.37);
        }
        image = model.encodeImage(pixels);
    }

    /** ViT + Q-Former ITC pass + projection of one image. */
    @Benchmark
    public float[] imageEmbedding() {
        return model.imageFeatures(model.encodeImage(pixels), QueryPerturbation.NONE);
    }

    /** Q-Former text pass + projection of one 7-token text. */
    @Benchmark
    public float[] textEmbedding() {
        return model.textFeatures(ids, null);
    }

    /** ITM logits of one pair, image context cached. */
    @Benchmark
    public float[] itmPair() {
        return model.itmLogits(image, QueryPerturbation.NONE, ids, null);
    }
}
