package org.qpert.engine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.qpert.core.qpert.Box;
import org.qpert.core.qpert.Perturbation;
import org.qpert.loaders.store.EmbeddingStore;

/**
 * Child-JVM main of {@link StoreWritersTest}: embeds every PNG of a folder (one box each) with the tiny model into a
 * store, one image per shard, waiting {@code delayMs} before each image so that a test can run a second writer or
 * kill this one mid-run. Prints {@code stored N}, or the error's message and exits 3.
 */
public final class StoreWriterProbe {
    private StoreWriterProbe() {
    }

    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[0]), images = Path.of(args[1]), store = Path.of(args[2]);
        long delayMs = Long.parseLong(args[3]);
        List<GalleryImage> gallery;
        try (Stream<Path> s = Files.list(images)) {
            gallery = s.filter(p -> p.toString().endsWith(".png")).sorted().map(p -> new GalleryImage(
                    p.getFileName().toString(), p, List.of(new Box(0, 0, 30, 30)), true)).toList();
        }
        try (ModelEngine engine = ModelEngine.load(model, Perturbation.published());
             EmbeddingStore s = EmbeddingStore.open(store, StoredImage.spec(engine), 1)) {
            System.out.println("writing");
            RetrievalEngine slow = new SlowEngine(engine, delayMs);
            GalleryEmbedder.embedMissing(slow, gallery, s, 1);
            System.out.println("stored " + s.storedCount());
        } catch (RuntimeException e) {
            System.out.println(e.getMessage());
            System.exit(3);
        }
    }

    /** The engine with a pause before each image. */
    private record SlowEngine(RetrievalEngine inner, long delayMs) implements RetrievalEngine {
        @Override
        public EmbeddedImage embed(Path file, List<Box> boxes) {
            try {
                Thread.sleep(delayMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return inner.embed(file, boxes);
        }

        @Override
        public org.qpert.core.backend.Backend backend() {
            return inner.backend();
        }

        @Override
        public java.util.Map<String, String> storeSettings() {
            return inner.storeSettings();
        }

        @Override
        public org.qpert.core.model.ModelCard card() {
            return inner.card();
        }

        @Override
        public boolean perturbs() {
            return inner.perturbs();
        }

        @Override
        public float[] textFeatures(List<String> texts) {
            return inner.textFeatures(texts);
        }

        @Override
        public float[] itm(float[] z, int height, int width, List<Box> boxes, boolean perturbed, List<String> texts) {
            return inner.itm(z, height, width, boxes, perturbed, texts);
        }

        @Override
        public void close() {
        }
    }
}
