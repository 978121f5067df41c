package org.qpert.loaders.fuzz;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.loaders.config.Blip2ConfigReader;
import org.qpert.loaders.config.Owlv2ConfigReader;
import org.qpert.loaders.dataset.BoxPolicy;
import org.qpert.loaders.dataset.CocoInstances;
import org.qpert.loaders.dataset.KarpathySplit;
import org.qpert.loaders.dataset.NpyStrings;
import org.qpert.loaders.dataset.QpertBoxes;
import org.qpert.loaders.safetensors.SafetensorsFile;
import org.qpert.loaders.safetensors.SafetensorsWriter;
import org.qpert.loaders.safetensors.TensorInfo;
import org.qpert.loaders.text.BertTokenizer;

/**
 * The parsers of untrusted files under a seeded random mutator (bit flips, byte edits, cuts, splices and
 * JSON-minded tokens such as huge numbers, nesting and non-UTF-8 bytes) for a bounded time each: every input must
 * parse or fail with a clean error (IllegalArgumentException or IOException with a message). Anything else (a
 * NullPointerException, ClassCastException, IndexOutOfBounds, a Gson IllegalStateException, OutOfMemoryError, a
 * hang) fails the build and leaves the input under target/fuzz-failures. The malformed cases found so far are
 * replayed first from src/test/resources/fuzz/TARGET/. Jazzer was not used: its JUnit fuzzing mode needs an
 * environment switch and a native agent, where a plain mutator runs everywhere the suite runs.
 *
 * <p>{@code -Dqpert.fuzz.millis=N} sets the time per target (default 2000); {@code -Dqpert.fuzz.seed=S} the seed.
 */
class ParserFuzzTest {
    private static final long MILLIS = Long.getLong("qpert.fuzz.millis", 2000);
    private static final long SEED = Long.getLong("qpert.fuzz.seed", 14);
    private static final int MIN_RUNS = 30;
    private static final String[] TOKENS = {"-1", "0", "1e309", "-1e309", "NaN", "9223372036854775807",
            "18446744073709551616", "2147483648", "null", "[]", "{}", "\"\"", "true", "0.5", "[[[[[[[[", "]]]]", "\\u0000",
            "\"dtype\"", "\"shape\"", "\"data_offsets\"", "\"F32\"", "\"BF16\"", "\"I64\"", "\"boxes\"", "\"images\"",
            "\"width\"", "\"height\"", "\"annotations\"", "\"bbox\"", "\"vocab\"", "\"model\"", "\"hidden_size\"",
            "\"num_attention_heads\"", ",", ":", "\"", "\\"};

    @TempDir
    static Path dir;

    /** One parser: a name (the corpus folder), a seed input and how to run it on a file. */
    record Target(String name, String fileName, byte[] seed, ParserRun run) {
    }

    @FunctionalInterface
    interface ParserRun {
        void parse(Path file) throws Exception;
    }

    static List<Target> targets() throws IOException {
        List<Target> t = new ArrayList<>();
        t.add(new Target("safetensors", "x.safetensors", smallSafetensors(), f -> {
            try (SafetensorsFile s = SafetensorsFile.open(f)) {
                for (TensorInfo i : s.tensors()) {
                    s.readBytes(i.name());
                }
            }
        }));
        t.add(new Target("blip2-config", "config.json",
                Files.readAllBytes(Path.of("../testdata/parity/tiny-blip2/config.json")), Blip2ConfigReader::read));
        Path owl = Path.of("../testdata/parity/tiny-owlv2/config.json");
        if (Files.isRegularFile(owl)) {
            t.add(new Target("owlv2-config", "config.json", Files.readAllBytes(owl), Owlv2ConfigReader::read));
        }
        t.add(new Target("qpert-boxes", "boxes.json", utf8("{\"images\": {\"a/1.jpg\": {\"width\": 333, \"height\": "
                + "500, \"boxes\": [{\"box\": [1, 2, 30, 40], \"label\": \"man\", \"score\": 0.9}, {\"box\": [0, 0, 333,"
                + " 500]}]}, \"2.jpg\": {\"width\": 5, \"height\": 5, \"boxes\": []}}}"),
                f -> QpertBoxes.read(f, BoxPolicy.CLIP)));
        t.add(new Target("coco-instances", "instances.json", utf8("{\"images\": [{\"id\": 1, \"file_name\": "
                + "\"COCO_val2014_000000000001.jpg\", \"width\": 640, \"height\": 480}], \"annotations\": [{\"image_id\":"
                + " 1, \"bbox\": [10.5, 20, 30, 40], \"category_id\": 3}], \"categories\": [{\"id\": 3, \"name\": "
                + "\"car\"}]}"), f -> CocoInstances.read(f, BoxPolicy.CLIP)));
        t.add(new Target("karpathy-split", "split.json", utf8("{\"images\": [{\"filename\": \"1.jpg\", \"filepath\": "
                + "\"val2014\", \"split\": \"test\", \"sentences\": [{\"raw\": \"A man.\"}, {\"raw\": \"A dog.\"}]}]}"),
                KarpathySplit::read));
        t.add(new Target("lavis-split", "test.json", utf8("[{\"image\": \"1.jpg\", \"caption\": [\"a man\", \"a dog\"]}]"),
                KarpathySplit::read));
        t.add(new Target("npy-strings", "names.npy", Files.readAllBytes(Path.of("src/test/resources/npy/names_v1.npy")),
                NpyStrings::read));
        t.add(new Target("vocab-txt", "vocab.txt", utf8("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\na\nman\n##s\ndog\n"),
                f -> BertTokenizer.load(f).encode("a mans dog, A MAN!")));
        t.add(new Target("tokenizer-json", "tokenizer.json", utf8("{\"model\": {\"type\": \"WordPiece\", \"unk_token\": "
                + "\"[UNK]\", \"vocab\": {\"[PAD]\": 0, \"[UNK]\": 1, \"[CLS]\": 2, \"[SEP]\": 3, \"a\": 4, \"man\": 5, "
                + "\"##s\": 6}}, \"normalizer\": {\"type\": \"BertNormalizer\", \"lowercase\": true}}"),
                f -> BertTokenizer.load(f).encode("a mans")));
        return t;
    }

    @TestFactory
    Stream<DynamicTest> parsersFailCleanlyOnMalformedInput() throws IOException {
        return targets().stream().map(t -> DynamicTest.dynamicTest(t.name(), () -> fuzz(t)));
    }

    private static void fuzz(Target t) throws Exception {
        Path work = Files.createDirectories(dir.resolve(t.name()));
        Path file = work.resolve(t.fileName());
        Path corpus = Path.of("src/test/resources/fuzz", t.name());
        int replayed = 0;
        if (Files.isDirectory(corpus)) {
            try (Stream<Path> cases = Files.list(corpus)) {
                for (Path c : cases.sorted().toList()) {
                    check(t, file, Files.readAllBytes(c), "corpus case " + c);
                    replayed++;
                }
            }
        }
        check(t, file, t.seed(), "seed");
        Random random = new Random(SEED ^ t.name().hashCode());
        long end = System.nanoTime() + MILLIS * 1_000_000;
        int runs = 0;
        while (runs < MIN_RUNS || System.nanoTime() < end) { // at least MIN_RUNS, however loaded the machine
            byte[] input = mutate(t.seed(), random);
            check(t, file, input, "mutant " + runs);
            runs++;
        }
        System.getLogger(ParserFuzzTest.class.getName()).log(System.Logger.Level.INFO,
                t.name() + ": " + replayed + " corpus cases, " + runs + " mutants, all clean");
    }

    private static void check(Target t, Path file, byte[] input, String what) throws IOException {
        Files.write(file, input);
        try {
            t.run().parse(file);
        } catch (IllegalArgumentException | IOException | UncheckedIOException e) {
            String m = e.getMessage();
            if (m == null || m.isBlank()) {
                fail(save(t, input) + ": " + what + " failed without a message: " + e);
            }
        } catch (Throwable e) {
            Path saved = save(t, input);
            throw new AssertionError(t.name() + ": " + what + " is not a clean error (input saved as " + saved + ")",
                    e);
        }
    }

    private static Path save(Target t, byte[] input) throws IOException {
        Path out = Files.createDirectories(Path.of("target/fuzz-failures", t.name()));
        Path f = out.resolve(Integer.toHexString(java.util.Arrays.hashCode(input)) + "-" + t.fileName());
        Files.write(f, input);
        return f.toAbsolutePath();
    }

    static byte[] mutate(byte[] seed, Random r) {
        List<Byte> b = new ArrayList<>(seed.length + 64);
        for (byte x : seed) {
            b.add(x);
        }
        int ops = 1 + r.nextInt(4);
        for (int k = 0; k < ops; k++) {
            int n = b.size();
            int at = n == 0 ? 0 : r.nextInt(n);
            switch (r.nextInt(8)) {
                case 0 -> {
                    if (n > 0) {
                        b.set(at, (byte) (b.get(at) ^ (1 << r.nextInt(8))));
                    }
                }
                case 1 -> {
                    if (n > 0) {
                        byte[] special = {0, (byte) 0xff, (byte) 0xc3, (byte) 0x80, '"', '{', '}', '[', ']', ',', ':',
                                '-', '9', '\n', '\\'};
                        b.set(at, special[r.nextInt(special.length)]);
                    }
                }
                case 2 -> {
                    int len = Math.min(n - at, 1 + r.nextInt(16));
                    for (int i = 0; i < len; i++) {
                        b.remove(at);
                    }
                }
                case 3, 4 -> {
                    byte[] tok = TOKENS[r.nextInt(TOKENS.length)].getBytes(StandardCharsets.UTF_8);
                    for (int i = tok.length - 1; i >= 0; i--) {
                        b.add(at, tok[i]);
                    }
                }
                case 5 -> {
                    if (n > 0) {
                        int cut = r.nextInt(n);
                        while (b.size() > cut) {
                            b.remove(b.size() - 1);
                        }
                    }
                }
                case 6 -> {
                    int len = Math.min(n - at, 1 + r.nextInt(32));
                    List<Byte> chunk = new ArrayList<>(b.subList(at, at + len));
                    b.addAll(n == 0 ? 0 : r.nextInt(b.size() + 1), chunk);
                }
                default -> replaceNumber(b, r);
            }
        }
        byte[] out = new byte[b.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.get(i);
        }
        return out;
    }

    /** Replaces a run of digits with an extreme number (sizes, offsets, ids, dimensions are the usual weak spots). */
    private static void replaceNumber(List<Byte> b, Random r) {
        List<Integer> starts = new ArrayList<>();
        for (int i = 0; i < b.size(); i++) {
            if (Character.isDigit(b.get(i)) && (i == 0 || !Character.isDigit(b.get(i - 1)))) {
                starts.add(i);
            }
        }
        if (starts.isEmpty()) {
            return;
        }
        int s = starts.get(r.nextInt(starts.size())), e = s;
        while (e < b.size() && Character.isDigit(b.get(e))) {
            e++;
        }
        String[] numbers = {"0", "-1", "1", "2147483647", "2147483648", "9223372036854775807", "99999999999999999999",
                "1e309", "65536", "7"};
        byte[] repl = numbers[r.nextInt(numbers.length)].getBytes(StandardCharsets.UTF_8);
        b.subList(s, e).clear();
        for (int i = repl.length - 1; i >= 0; i--) {
            b.add(s, repl[i]);
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A 3-tensor safetensors file (F32, I64, BF16) with metadata: the header is most of it, as in real files. */
    private static byte[] smallSafetensors() throws IOException {
        Path f = Files.createTempFile("seed", ".safetensors");
        try {
            new SafetensorsWriter().metadata("format", "pt")
                    .addF32("a.weight", new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6})
                    .addI64("ids", new long[] {2}, new long[] {7, 8})
                    .addRaw("b", org.qpert.loaders.safetensors.DType.BF16, new long[] {2},
                            ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 0x3f80)
                                    .putShort((short) 0x4000).array())
                    .write(f);
            return Files.readAllBytes(f);
        } finally {
            Files.delete(f);
        }
    }
}
