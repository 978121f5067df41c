package org.qpert.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
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
import org.qpert.core.retrieval.ItcScores;
import org.qpert.core.retrieval.ScoreMatrix;

/**
 * The ITC matrix (max over 32 query embeddings of dimension 256, as the real model) for 100 images × 500 texts:
 * {@link ItcScores} (one backend matmul per chunk of images, here the CPU backend) against per-pair dot products
 * parallel over images.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
public class ItcScoresBenchmark {
    static final int IMAGES = 100, QUERIES = 32, TEXTS = 500, DIM = 256;
    static final CpuBackend CPU = new CpuBackend();
    float[] images;
    float[] texts;

    @Setup
    public void fill() {
        Random rnd = new Random(1);
        images = new float[IMAGES * QUERIES * DIM];
        texts = new float[TEXTS * DIM];
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) rnd.nextGaussian();
        }
        for (int i = 0; i < texts.length; i++) {
            texts[i] = (float) rnd.nextGaussian();
        }
    }

    @Benchmark
    public ScoreMatrix backendMatmul() {
        return ItcScores.compute(CPU, images, IMAGES, QUERIES, texts, TEXTS, DIM);
    }

    @Benchmark
    public float[] perPairDot() {
        float[] out = new float[IMAGES * TEXTS];
        IntStream.range(0, IMAGES).parallel().forEach(i -> {
            for (int t = 0; t < TEXTS; t++) {
                float best = Float.NEGATIVE_INFINITY;
                for (int q = 0; q < QUERIES; q++) {
                    int qb = (i * QUERIES + q) * DIM, tb = t * DIM;
                    float s = 0f;
                    for (int k = 0; k < DIM; k++) {
                        s += images[qb + k] * texts[tb + k];
                    }
                    best = Math.max(best, s);
                }
                out[i * TEXTS + t] = best;
            }
        });
        return out;
    }
}
