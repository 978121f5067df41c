package org.qpert.bench;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.CpuBackend;
import org.qpert.core.model.VisionConfig;
import org.qpert.core.model.owlv2.Owlv2Config;
import org.qpert.core.model.owlv2.Owlv2Detector;
import org.qpert.core.model.owlv2.Owlv2TextConfig;

/**
 * Latency of the OWLv2 detector on the CPU backend at the real base-patch16 size with random weights: one 960 px image
 * (3601 tokens through 12 layers of width 768, the merge, box, objectness and class heads for 2 queries) and one text
 * query of 16 tokens. Prints {@code key=milliseconds} lines (median of the timed runs) for bench/compare-owlv2.sh,
 * whose PyTorch script (bench/python/torch_owlv2.py) times the same computation.
 *
 * <p>Usage: {@code Owlv2Bench [runs] [image size]}; threads via {@code -Dqpert.threads}.
 */
public final class Owlv2Bench {
    private Owlv2Bench() {
    }

    /** google/owlv2-base-patch16-ensemble's sizes at image size {@code s}. */
    static Owlv2Config baseSizes(int s) {
        VisionConfig v = new VisionConfig(768, 12, 12, 3072, s, 16, 1e-5, true, "quick_gelu");
        return new Owlv2Config(v, Owlv2TextConfig.defaults(), 512);
    }

    public static void main(String[] args) {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 960;
        CpuBackend cpu = new CpuBackend();
        System.out.println("# backend " + cpu.describe() + ", " + runs + " timed runs after one warm-up");
        ProfilingBackend profile = Boolean.getBoolean("qpert.bench.profile") ? new ProfilingBackend(cpu) : null;
        Backend backend = profile == null ? cpu : profile;
        long t0 = System.nanoTime();
        Owlv2Detector det = Owlv2Detector.load(baseSizes(size), RandomWeights.sharedByShape(), backend);
        System.out.printf("# loaded base-patch16 at %d px in %.1f s%n", size, (System.nanoTime() - t0) / 1e9);
        int[] ids = tokens(16);
        int[] mask = new int[16];
        Arrays.fill(mask, 1);
        float[][] queries = {det.embedQuery(ids, mask), det.embedQuery(tokens(9), Arrays.copyOf(mask, 9))};
        float[] pixels = EndToEndBench.pixels(size);
        report("owlv2_image" + size + "_ms", runs, () -> det.predict(pixels, queries), profile);
        report("owlv2_query16_ms", Math.max(runs, 20), () -> det.embedQuery(ids, mask), profile);
    }

    private static void report(String key, int runs, Supplier<?> step, ProfilingBackend profile) {
        step.get(); // warm-up: JIT, scratch buffers
        if (profile != null) {
            profile.reset();
        }
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t = System.nanoTime();
            step.get();
            ms[i] = (System.nanoTime() - t) / 1e6;
        }
        Arrays.sort(ms);
        System.out.printf("%s=%.2f%n", key, ms[runs / 2]);
        if (profile != null) {
            profile.printAndReset(key + ", " + runs + " timed runs");
        }
    }

    /** BOS, random word ids, EOS (the largest id): what the CLIP tokenizer produces, as the PyTorch script does. */
    static int[] tokens(int len) {
        SplittableRandom r = new SplittableRandom(len);
        int[] ids = new int[len];
        ids[0] = 49406;
        for (int i = 1; i < len - 1; i++) {
            ids[i] = 1000 + r.nextInt(40000);
        }
        ids[len - 1] = 49407;
        return ids;
    }
}
