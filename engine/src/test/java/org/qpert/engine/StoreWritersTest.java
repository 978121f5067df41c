package org.qpert.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.loaders.store.EmbeddingStore;

/** Writers in separate JVMs: two at once on one store, and one killed (SIGKILL) and resumed. */
class StoreWritersTest {
    static final Path TINY = Path.of("../testdata/parity/tiny-blip2");
    static final Path IMAGES = Path.of("../testdata/parity/inputs/images");

    @TempDir
    static Path dir;
    static Path model;
    static Path images;
    static int imageCount;

    @BeforeAll
    static void setUp() throws IOException {
        model = Files.createDirectories(dir.resolve("model"));
        Files.copy(TINY.resolve("config.json"), model.resolve("config.json"));
        Files.copy(TINY.resolve("model.safetensors"), model.resolve("model.safetensors"));
        StringBuilder vocab = new StringBuilder("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n");
        for (int i = 5; i < 100; i++) {
            vocab.append("w").append(i).append('\n');
        }
        Files.writeString(model.resolve("vocab.txt"), vocab);
        images = Files.createDirectories(dir.resolve("images"));
        try (Stream<Path> s = Files.list(IMAGES)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".png")).sorted().limit(4).toList()) {
                Files.copy(p, images.resolve(p.getFileName()));
            }
        }
        try (Stream<Path> s = Files.list(images)) {
            imageCount = (int) s.count();
        }
    }

    private static Process writer(Path store, long delayMs) throws IOException {
        return ChildJvm.builder(List.of(), StoreWriterProbe.class, model.toString(), images.toString(),
                store.toString(), Long.toString(delayMs)).start();
    }

    @Test
    void secondWriterIsRefusedAndTheStoreStaysWhole() throws Exception {
        Path store = dir.resolve("two-writers");
        Process a = writer(store, 250);
        Process b = writer(store, 250);
        ChildJvm.Result ra = ChildJvm.await(a, 120), rb = ChildJvm.await(b, 120);
        ChildJvm.Result won = ra.exit() == 0 ? ra : rb, lost = ra.exit() == 0 ? rb : ra;
        Process winner = ra.exit() == 0 ? a : b;
        assertEquals(0, won.exit(), "one writer finishes: " + ra.output() + "\n---\n" + rb.output());
        assertEquals(3, lost.exit(), "the other is refused: " + lost.output());
        assertTrue(won.output().contains("stored " + imageCount), won.output());
        String refusal = lost.output().lines().filter(l -> l.startsWith("store ")).findFirst().orElse("");
        assertTrue(refusal.startsWith("store " + store + " is being written by pid " + winner.pid() + " on "),
                lost.output());
        assertTrue(EmbeddingStore.verify(store).intact());
        try (EmbeddingStore s = EmbeddingStore.openExisting(store)) {
            assertEquals(imageCount, s.ids().size());
        }
    }

    /** kill -9 mid-run, resume: the stale lock is taken over and the store equals an uninterrupted one bitwise. */
    @Test
    void killedWriterIsResumedToTheSameBits() throws Exception {
        Path whole = dir.resolve("uninterrupted"), resumed = dir.resolve("resumed");
        ChildJvm.Result clean = ChildJvm.await(writer(whole, 0), 120);
        assertEquals(0, clean.exit(), clean.output());

        Process killed = writer(resumed, 300);
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (storedIn(resumed) < 2) {
            assertTrue(killed.isAlive() && System.nanoTime() < deadline, "the writer stored 2 images in time");
            Thread.sleep(50);
        }
        killed.destroyForcibly().waitFor();
        int before = storedIn(resumed);
        assertTrue(before < imageCount, "killed mid-run");
        ChildJvm.Result again = ChildJvm.await(writer(resumed, 0), 120);
        assertEquals(0, again.exit(), again.output());
        assertTrue(again.output().contains("taking over the lock of an earlier run (pid " + killed.pid()),
                again.output());
        assertTrue(EmbeddingStore.verify(resumed).intact());
        try (EmbeddingStore a = EmbeddingStore.openExisting(whole); EmbeddingStore b = EmbeddingStore.openExisting(resumed)) {
            assertEquals(a.ids().stream().sorted().toList(), b.ids().stream().sorted().toList());
            for (String id : a.ids()) {
                for (String field : a.spec().fieldNames()) {
                    assertArrayEquals(bits(a.read(id, field)), bits(b.read(id, field)), id + " " + field);
                }
                assertEquals(a.meta(id), b.meta(id));
            }
        }
    }

    private static int[] bits(float[] xs) {
        int[] out = new int[xs.length];
        for (int i = 0; i < xs.length; i++) {
            out[i] = Float.floatToRawIntBits(xs[i]);
        }
        return out;
    }

    private static int storedIn(Path store) {
        try (EmbeddingStore s = EmbeddingStore.openExisting(store)) {
            return s.storedCount();
        } catch (IOException | RuntimeException e) {
            return 0; // not created yet, or between writes
        }
    }
}
