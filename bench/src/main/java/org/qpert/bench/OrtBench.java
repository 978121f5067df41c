package org.qpert.bench;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One ONNX model in ONNX Runtime's Java API on the CPU, the engine a JVM service would otherwise pick, timed for
 * bench/compare-cpu.sh against qpert on the same computation (issue 12 §6). The models come from
 * bench/python/torch_blip2.py {@code --onnx DIR}: one ViT-g layer, the Q-Former image pass, the 20-token text pass.
 *
 * <p>Input shapes and types are the model's own (fixed). Each input is read from {@code MODEL.in.NAME.bin} next to the
 * model (raw little-endian float32 or int64, as the script writes them) and is uniform random in [-1, 1) when that file
 * is absent. When {@code MODEL.out.bin} (PyTorch's output on those inputs) is present, the first output is compared with
 * it, printed as {@code KEY_maxdiff=} and the run fails above 1e-3 of its largest magnitude: a figure for another
 * computation would be worse than none. Prints {@code KEY_ms=} (median) and {@code KEY_min_ms=}.
 *
 * <p>Usage: {@code OrtBench model.onnx key threads runs}; threads = intra-op threads (as qpert's), sequential
 * execution, all graph optimizations.
 */
public final class OrtBench {
    private OrtBench() {
    }

    public static void main(String[] args) throws OrtException, IOException {
        if (args.length != 4) {
            throw new IllegalArgumentException("usage: OrtBench model.onnx key threads runs");
        }
        Path model = Path.of(args[0]);
        String key = args[1];
        int threads = Integer.parseInt(args[2]), runs = Integer.parseInt(args[3]);
        String base = model.toString().replaceFirst("\\.onnx$", "");
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            try (OrtSession session = env.createSession(model.toString(), options)) {
                Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
                try {
                    for (Map.Entry<String, NodeInfo> in : session.getInputInfo().entrySet()) {
                        inputs.put(in.getKey(), input(env, Path.of(base + ".in." + in.getKey() + ".bin"),
                                (TensorInfo) in.getValue().getInfo()));
                    }
                    System.out.println("# onnxruntime " + env.getVersion() + ", " + threads + " intra-op threads, "
                            + model.getFileName() + ", inputs " + describe(session));
                    Path expected = Path.of(base + ".out.bin");
                    double[] ms = new double[runs];
                    for (int i = -3; i < runs; i++) { // three warm-up runs, the first also checked
                        long t = System.nanoTime();
                        try (OrtSession.Result out = session.run(inputs)) {
                            long elapsed = System.nanoTime() - t;
                            if (i >= 0) {
                                ms[i] = elapsed / 1e6;
                            } else if (i == -3 && Files.exists(expected)) {
                                check(key, ((OnnxTensor) out.get(0)).getFloatBuffer(), expected);
                            }
                        }
                    }
                    Arrays.sort(ms);
                    System.out.printf("%s_ms=%.2f%n%s_min_ms=%.2f%n", key, ms[runs / 2], key, ms[0]);
                } finally {
                    inputs.values().forEach(OnnxTensor::close);
                }
            }
        }
    }

    private static OnnxTensor input(OrtEnvironment env, Path file, TensorInfo info) throws OrtException, IOException {
        long[] shape = info.getShape();
        int n = Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact));
        if (info.type == OnnxJavaType.INT64) {
            return OnnxTensor.createTensor(env, read(file, n, Long.BYTES).asLongBuffer(), shape);
        }
        if (info.type != OnnxJavaType.FLOAT) {
            throw new IllegalArgumentException(file + ": input type " + info.type + " not supported (float, int64)");
        }
        if (Files.exists(file)) {
            return OnnxTensor.createTensor(env, read(file, n, Float.BYTES).asFloatBuffer(), shape);
        }
        float[] x = new float[n];
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < n; i++) {
            x[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape);
    }

    private static ByteBuffer read(Path file, int n, int bytes) throws IOException {
        if (!Files.exists(file)) {
            throw new IllegalArgumentException(file + ": missing (integer inputs are not made up)");
        }
        byte[] raw = Files.readAllBytes(file);
        if (raw.length != (long) n * bytes) {
            throw new IllegalArgumentException(file + ": " + raw.length + " bytes, the model's input needs "
                    + (long) n * bytes);
        }
        return ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void check(String key, FloatBuffer actual, Path expectedFile) throws IOException {
        FloatBuffer expected = read(expectedFile, actual.remaining(), Float.BYTES).asFloatBuffer();
        double diff = 0, scale = 0;
        for (int i = 0; i < actual.remaining(); i++) {
            diff = Math.max(diff, Math.abs(actual.get(i) - expected.get(i)));
            scale = Math.max(scale, Math.abs(expected.get(i)));
        }
        System.out.printf("# against PyTorch (%s): max |ort - torch| = %.3g, max |torch| = %.3g%n", expectedFile,
                diff, scale);
        System.out.printf("%s_maxdiff=%.3g%n", key, diff);
        if (!(diff <= 1e-3 * scale)) {
            throw new IllegalStateException(expectedFile + ": ONNX Runtime's output differs from PyTorch's by " + diff
                    + " (largest value " + scale + "): the model does not compute what the script did");
        }
    }

    private static String describe(OrtSession session) throws OrtException {
        StringBuilder s = new StringBuilder();
        for (Map.Entry<String, NodeInfo> in : session.getInputInfo().entrySet()) {
            TensorInfo t = (TensorInfo) in.getValue().getInfo();
            s.append(s.length() == 0 ? "" : " ").append(in.getKey()).append(Arrays.toString(t.getShape()));
        }
        return s.toString();
    }
}
