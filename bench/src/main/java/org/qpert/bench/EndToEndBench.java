package org.qpert.bench;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.qpert.core.backend.CpuBackend;
import org.qpert.core.backend.DType;
import org.qpert.core.model.QueryPerturbation;
import org.qpert.core.model.blip2.Blip2Retrieval;
import org.qpert.core.model.blip2.ImageContext;

/**
 * End-to-end latency of the CPU backend at the real blip2-itm-vit-g sizes with random weights: the ViT (plus the
 * cross-attention key/value projections it feeds), the Q-Former image pass (32 queries, projection, normalize) and the
 * text embedding. Prints one {@code key=milliseconds} line per measurement (median of the timed runs) for
 * bench/compare-cpu.sh, whose PyTorch script times the same steps.
 *
 * <p>Usage: {@code EndToEndBench [runs] [image sizes...]}, e.g. {@code EndToEndBench 3 224 364}; threads via
 * {@code -Dqpert.threads}.
 */
public final class EndToEndBench {
    private EndToEndBench() {
    }

    public static void main(String[] args) {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int[] sizes = args.length > 1 ? Arrays.stream(args, 1, args.length).mapToInt(Integer::parseInt).toArray()
                : new int[] {224, 364};
        CpuBackend cpu = new CpuBackend();
        System.out.println("# backend " + cpu.describe() + ", " + runs + " timed runs after one warm-up, "
                + System.getProperty("qpert.bench.dtype", "BF16") + " weights");
        // -Dqpert.bench.profile=true adds per-op wall times (one profile per timed step).
        ProfilingBackend profile = Boolean.getBoolean("qpert.bench.profile") ? new ProfilingBackend(cpu) : null;
        org.qpert.core.backend.Backend backend = profile == null ? cpu : profile;
        // Stored as the real checkpoint is (16 bits) unless -Dqpert.bench.dtype=F32.
        DType dtype = DType.valueOf(System.getProperty("qpert.bench.dtype", "BF16"));
        RandomWeights weights = RandomWeights.sharedByShape(dtype);
        boolean textDone = false;
        for (int size : sizes) {
            long t0 = System.nanoTime();
            Blip2Retrieval model = Blip2Retrieval.load(RandomWeights.realSizes(size, 39), weights, backend);
            System.out.printf("# loaded %d px model in %.1f s%n", size, (System.nanoTime() - t0) / 1e9);
            float[] pixels = pixels(size);
            ImageContext[] image = new ImageContext[1];
            report("vit" + size + "_ms", runs, () -> image[0] = model.encodeImage(pixels), profile);
            report("qformer" + size + "_ms", runs, () -> model.imageFeatures(image[0], QueryPerturbation.NONE),
                    profile);
            if (!textDone) {
                for (int len : new int[] {20, 35}) {
                    int[] ids = tokens(len);
                    report("text" + len + "_ms", Math.max(runs, 20), () -> model.textFeatures(ids, null), profile);
                }
                textDone = true;
            }
        }
    }

    private static void report(String key, int runs, Supplier<?> step, ProfilingBackend profile) {
        step.get(); // warm-up: JIT, scratch buffers
        if (profile != null) {
            profile.reset();
        }
        double[] ms = new double[runs];
        long allocated0 = allocatedBytes(), collections0 = collections(), gcMs0 = collectionMillis();
        for (int i = 0; i < runs; i++) {
            long t = System.nanoTime();
            step.get();
            ms[i] = (System.nanoTime() - t) / 1e6;
        }
        // Garbage per run in steady state (every thread's allocations, the workers' included) and what collecting it
        // cost, to tell allocation/GC apart from other causes of a run-to-run spread.
        System.out.printf("# %s: %.1f MB allocated per run, %d collections taking %d ms over %d runs%n", key,
                (allocatedBytes() - allocated0) / 1e6 / runs, collections() - collections0,
                collectionMillis() - gcMs0, runs);
        Arrays.sort(ms);
        System.out.printf("%s=%.2f%n", key, ms[runs / 2]);
        if (key.startsWith("vit")) { // steadiness: slowest over fastest run
            System.out.printf("%s=%.3f%n", key.replace("_ms", "_spread"), ms[runs - 1] / ms[0]);
        }
        if (profile != null) {
            profile.printAndReset(key + ", " + runs + " timed runs");
        }
    }

    private static long allocatedBytes() {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        return Arrays.stream(threads.getThreadAllocatedBytes(threads.getAllThreadIds())).filter(b -> b > 0).sum();
    }

    private static long collections() {
        return java.lang.management.ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(java.lang.management.GarbageCollectorMXBean::getCollectionCount).sum();
    }

    private static long collectionMillis() {
        return java.lang.management.ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(java.lang.management.GarbageCollectorMXBean::getCollectionTime).sum();
    }

    static float[] pixels(int size) {
        SplittableRandom r = new SplittableRandom(size);
        float[] p = new float[3 * size * size];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) (r.nextDouble() * 4 - 2);
        }
        return p;
    }

    /** [CLS] then random word ids (the BERT vocabulary above the special tokens), as the PyTorch script does. */
    static int[] tokens(int len) {
        SplittableRandom r = new SplittableRandom(len);
        int[] ids = new int[len];
        ids[0] = 101;
        for (int i = 1; i < len; i++) {
            ids[i] = 1000 + r.nextInt(29000);
        }
        return ids;
    }
}
