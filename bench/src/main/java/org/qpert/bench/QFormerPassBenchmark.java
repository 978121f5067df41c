package org.qpert.bench;

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
import org.qpert.core.backend.CpuBackend;
import org.qpert.core.backend.Tensor;
import org.qpert.core.model.QueryPerturbation;
import org.qpert.core.model.blip2.Blip2PerturbedImage;
import org.qpert.core.model.blip2.Blip2Retrieval;
import org.qpert.core.model.blip2.ImageContext;
import org.qpert.core.qpert.Perturbation;

/**
 * One Q-Former image (ITC) pass at blip2-itm-vit-g sizes — 32 queries through 12 layers of width 768, cross-attending
 * to T = 257 or 677 image tokens whose keys and values are already projected (they are computed once per image,
 * like P̄) — plain and with the P̄ of 4 small objects. Random weights; a one-layer ViT only makes Z at setup.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx6g"})
public class QFormerPassBenchmark {

    @Param({"257", "677"})
    int tokens;

    Blip2Retrieval model;
    ImageContext context;
    QueryPerturbation perturbation;
    Tensor queries;

    @Setup
    public void setUp() {
        int imageSize = (int) Math.round(Math.sqrt(tokens - 1)) * 14;
        model = Blip2Retrieval.load(RandomWeights.realSizes(imageSize, 1), new RandomWeights(1), new CpuBackend());
        Random random = new Random(42);
        float[] pixels = new float[3 * imageSize * imageSize];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) random.nextGaussian();
        }
        List<org.qpert.core.qpert.Box> boxes = PerturbationBenchmark.boxes(random, 4, 0.2);
        Blip2PerturbedImage image = Blip2PerturbedImage.encode(model, pixels, PerturbationBenchmark.HEIGHT,
                PerturbationBenchmark.WIDTH, boxes, Perturbation.published());
        context = image.context();
        perturbation = image.perturbation();
        if (image.perturbation().isEmpty()) {
            throw new IllegalStateException("the 4 small boxes cover no token");
        }
        int width = model.config().qformer().hiddenSize(), n = model.config().numQueryTokens();
        float[] q = new float[n * width];
        for (int i = 0; i < q.length; i++) {
            q[i] = (float) random.nextGaussian();
        }
        queries = model.backend().upload(q, n, width);
    }

    @Benchmark
    public Tensor plainPass() {
        return model.queryOutput(context, QueryPerturbation.NONE, org.qpert.core.model.ActivationSink.NONE);
    }

    @Benchmark
    public Tensor perturbedPass() {
        return model.queryOutput(context, perturbation, org.qpert.core.model.ActivationSink.NONE);
    }

    /** The whole extra work of a perturbed pass: q + P̄q on the 32 query rows of each of the 6 cross layers. */
    @Benchmark
    public Tensor perturbQueriesAllLayers() {
        Tensor last = null;
        for (int l : model.config().qformer().crossAttentionLayers()) {
            last = model.backend().perturbQueries(queries, perturbation.pbar(l), model.config().qformer()
                    .numAttentionHeads());
        }
        return last;
    }
}
