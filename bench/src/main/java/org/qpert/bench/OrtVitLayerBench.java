package org.qpert.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One ViT-g layer (HF {@code Blip2EncoderLayer}, 257 tokens × 1408) in ONNX Runtime's Java API on the CPU, the engine a
 * JVM service would otherwise pick, exported from bench/python/torch_blip2.py ({@code --onnx-layer}). Prints
 * {@code ort_layer_ms=} (median) and {@code ort_vit224_ms=} (39 layers) for bench/compare-cpu.sh.
 *
 * <p>Usage: {@code OrtVitLayerBench layer.onnx threads runs}.
 */
public final class OrtVitLayerBench {
    private OrtVitLayerBench() {
    }

    public static void main(String[] args) throws OrtException {
        String model = args[0];
        int threads = Integer.parseInt(args[1]), runs = Integer.parseInt(args[2]);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            try (OrtSession session = env.createSession(model, options)) {
                float[] x = new float[257 * 1408];
                SplittableRandom r = new SplittableRandom(1);
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) (r.nextDouble() * 2 - 1);
                }
                try (OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {257, 1408})) {
                    double[] ms = new double[runs];
                    for (int i = -3; i < runs; i++) { // three warm-up runs
                        long t = System.nanoTime();
                        try (OrtSession.Result out = session.run(Map.of("x", input))) {
                            if (i >= 0) {
                                ms[i] = (System.nanoTime() - t) / 1e6;
                            }
                        }
                    }
                    Arrays.sort(ms);
                    double median = ms[runs / 2];
                    System.out.println("# onnxruntime " + env.getVersion() + ", " + threads + " intra-op threads");
                    System.out.printf("ort_layer_ms=%.2f%n", median);
                    System.out.printf("ort_vit224_ms=%.1f%n", 39 * median);
                }
            }
        }
    }
}
