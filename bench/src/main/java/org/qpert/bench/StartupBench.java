package org.qpert.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.CpuBackend;
import org.qpert.core.backend.DType;
import org.qpert.core.backend.Tensor;
import org.qpert.core.backend.WeightData;
import org.qpert.core.model.QueryPerturbation;
import org.qpert.core.model.WeightSource;
import org.qpert.core.model.blip2.Blip2Config;
import org.qpert.core.model.blip2.Blip2Retrieval;
import org.qpert.loaders.safetensors.SafetensorsWeights;

/**
 * Start-up of the real-size model (blip2-itm-vit-g shapes, random values) from a BF16 checkpoint, as a CLI
 * {@code search} or a service pays it: open the file, load every weight onto the CPU backend, embed a 20-token text
 * (what a search needs first), then one 224-px image. Writes the checkpoint first when it is missing (about 2.3 GB,
 * streamed; run the bench twice, or once after writing, to time a warm page cache).
 *
 * <p>Prints {@code load_s=} (open + load + first text embedding), {@code first_image_s=} (load + first image
 * embedding), {@code weights_mb=} (heap the loaded model holds, measured with a full GC before and after loading —
 * here only, never in the library) for bench/compare-cpu.sh.
 *
 * <p>Usage: {@code StartupBench [checkpoint.safetensors]} (default {@code /tmp/qpert-bench/blip2-bf16.safetensors}).
 */
public final class StartupBench {
    private StartupBench() {
    }

    public static void main(String[] args) throws IOException {
        Path file = Path.of(args.length > 0 ? args[0] : "/tmp/qpert-bench/blip2-bf16.safetensors");
        Blip2Config cfg = RandomWeights.realSizes(224, 39);
        if (!Files.isRegularFile(file)) {
            long t = System.nanoTime();
            write(cfg, file);
            System.out.printf("# wrote %s (%d MB) in %.1f s%n", file, Files.size(file) >> 20, (System.nanoTime() - t) / 1e9);
        }
        long before = usedHeap();
        CpuBackend cpu = new CpuBackend();
        long cpu0 = processCpuNanos();
        long t0 = System.nanoTime();
        Blip2Retrieval model;
        try (SafetensorsWeights weights = SafetensorsWeights.open(file)) {
            model = Blip2Retrieval.load(cfg, weights, cpu);
        }
        long loaded = System.nanoTime();
        model.textFeatures(EndToEndBench.tokens(20), null);
        long text = System.nanoTime();
        long cpuText = processCpuNanos();
        model.imageFeatures(model.encodeImage(EndToEndBench.pixels(224)), QueryPerturbation.NONE);
        long image = System.nanoTime();
        long held = usedHeap() - before;
        System.out.println("# backend " + cpu.describe() + ", checkpoint " + file);
        System.out.printf("# load %.2f s, first text %.3f s, first image %.2f s%n", (loaded - t0) / 1e9,
                (text - loaded) / 1e9, (image - text) / 1e9);
        // On a shared machine wall time is inflated by other processes; CPU time (all threads, incl. JIT and GC) is not.
        System.out.printf("# open + load + first text: %.2f s CPU time of the process%n", (cpuText - cpu0) / 1e9);
        System.out.printf("load_s=%.2f%n", (text - t0) / 1e9);
        System.out.printf("first_image_s=%.2f%n", (image - t0) / 1e9);
        System.out.printf("weights_mb=%d%n", held >> 20);
        if (model.config() == null) {
            throw new AssertionError(); // keeps the model reachable until the heap is measured
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** Heap in use after a full collection (bench only: the library never calls System.gc()). */
    private static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 2; i++) {
            System.gc();
        }
        return rt.totalMemory() - rt.freeMemory();
    }

    private record Entry(String name, long[] shape) {
    }

    /** Every tensor the model reads, in load order, with its stored shape. */
    private static List<Entry> tensorsOf(Blip2Config cfg) {
        List<Entry> out = new ArrayList<>();
        RandomWeights names = new RandomWeights();
        WeightSource recorder = new WeightSource() {
            @Override
            public java.util.Set<String> names() {
                return names.names();
            }

            @Override
            public boolean contains(String name) {
                return names.contains(name);
            }

            @Override
            public long[] shape(String name) {
                return names.shape(name);
            }

            @Override
            public WeightData tensor(String name, long... shape) {
                out.add(new Entry(name, shape.clone()));
                long n = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
                int rows = shape.length <= 1 ? 1 : (int) shape[0];
                return shapeOnly(rows, (int) (n / rows));
            }

            @Override
            public String describe() {
                return "recorder";
            }
        };
        Blip2Retrieval.load(cfg, recorder, shapeOnlyBackend());
        return out;
    }

    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(64 << 20);

    private static WeightData shapeOnly(int rows, int cols) {
        return new WeightData(DType.BF16, rows, cols, ZEROS.slice(0, 2 * rows * cols));
    }

    /** A backend that only remembers shapes: enough to walk the model's loading code. */
    private static Backend shapeOnlyBackend() {
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] {Backend.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "weight" -> tensor(((WeightData) args[0]).rows(), ((WeightData) args[0]).cols());
                    case "upload" -> tensor((int) args[1], (int) args[2]);
                    case "name" -> "shapes";
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    private static Tensor tensor(int rows, int cols) {
        return new Tensor() {
            @Override
            public int rows() {
                return rows;
            }

            @Override
            public int cols() {
                return cols;
            }
        };
    }

    /** Streams a BF16 safetensors file of random values (seeded by name, as RandomWeights) for every tensor. */
    static void write(Blip2Config cfg, Path file) throws IOException {
        List<Entry> entries = tensorsOf(cfg);
        StringBuilder header = new StringBuilder("{");
        long offset = 0;
        for (Entry e : entries) {
            long bytes = 2 * Arrays.stream(e.shape).reduce(1, (a, b) -> a * b);
            if (header.length() > 1) {
                header.append(',');
            }
            header.append('"').append(e.name).append("\":{\"dtype\":\"BF16\",\"shape\":")
                    .append(Arrays.toString(e.shape).replace(" ", "")).append(",\"data_offsets\":[").append(offset)
                    .append(',').append(offset + bytes).append("]}");
            offset += bytes;
        }
        header.append('}');
        while ((header.length() + 8) % 8 != 0) {
            header.append(' ');
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE); OutputStream out = Channels.newOutputStream(ch)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length);
            out.write(len.array());
            out.write(json);
            for (Entry e : entries) {
                WeightData w = RandomWeights.of(0, DType.BF16).tensor(e.name, e.shape);
                ByteBuffer b = w.bytes();
                byte[] chunk = new byte[b.remaining()];
                b.get(0, chunk);
                out.write(chunk);
            }
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
