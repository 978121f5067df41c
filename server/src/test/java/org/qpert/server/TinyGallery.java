package org.qpert.server;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.qpert.core.backend.Backend;
import org.qpert.core.qpert.Box;
import org.qpert.core.qpert.Perturbation;
import org.qpert.engine.DatasetLayout;
import org.qpert.engine.DemoModel;
import org.qpert.engine.Gallery;
import org.qpert.engine.GalleryEmbedder;
import org.qpert.engine.ModelEngine;
import org.qpert.engine.RetrievalEngine;
import org.qpert.engine.StoredImage;
import org.qpert.loaders.store.EmbeddingStore;
import org.qpert.loaders.synthetic.SyntheticDataset;

/** The bundled tiny model, a generated gallery embedded into a store, and an HTTP client for the server tests. */
final class TinyGallery {
    final Path model;
    final Gallery gallery;
    final Path store;

    private TinyGallery(Path model, Gallery gallery, Path store) {
        this.model = model;
        this.gallery = gallery;
        this.store = store;
    }

    /** {@code images} generated images with boxes, embedded into {@code dir/store} (with Q-Perturbation). */
    static TinyGallery create(Path dir, int images) throws IOException {
        Path model = DemoModel.extract(dir.resolve("model"));
        Path data = dir.resolve("data");
        SyntheticDataset.write(data, SyntheticDataset.Layout.FLICKR30K, images, 0, 31);
        Gallery gallery = DatasetLayout.FLICKR30K.load(data, null, 0);
        Path store = dir.resolve("store");
        try (RetrievalEngine engine = engine(model);
             EmbeddingStore s = EmbeddingStore.open(store, StoredImage.spec(engine), 8)) {
            GalleryEmbedder.embedMissing(engine, gallery.images(), s, 8);
        }
        return new TinyGallery(model, gallery, store);
    }

    static ModelEngine engine(Path model) throws IOException {
        return ModelEngine.load(model, Perturbation.published());
    }

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    static HttpResponse<String> post(int port, String path, String json) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(60)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * An engine that can hold calls at a gate, to make "a request is running" a fact the test controls: calls to
     * {@link #embed} / {@link #textFeatures} announce themselves on {@code entered} and wait for {@code release}.
     */
    static final class GatedEngine implements RetrievalEngine {
        final RetrievalEngine inner;
        volatile boolean gateEmbed;
        volatile boolean gateText;
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        GatedEngine(RetrievalEngine inner) {
            this.inner = inner;
        }

        private void gate(boolean on) {
            if (on) {
                entered.countDown();
                try {
                    if (!release.await(60, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("test gate never opened");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }

        @Override
        public Backend backend() {
            return inner.backend();
        }

        @Override
        public Map<String, String> storeSettings() {
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
        public EmbeddedImage embed(Path file, List<Box> boxes) {
            gate(gateEmbed);
            return inner.embed(file, boxes);
        }

        @Override
        public float[] textFeatures(List<String> texts) {
            gate(gateText);
            return inner.textFeatures(texts);
        }

        @Override
        public float[] itm(float[] imageEmbeds, int height, int width, List<Box> boxes, boolean perturbed,
                           List<String> texts) {
            return inner.itm(imageEmbeds, height, width, boxes, perturbed, texts);
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
