package org.qpert.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.qpert.server.TinyGallery.get;
import static org.qpert.server.TinyGallery.post;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.engine.GalleryIndex;
import org.qpert.engine.StoredImage;
import org.qpert.loaders.store.EmbeddingStore;

/** Admission (503 when workers and queue are full) and graceful shutdown in the middle of a write. */
@Timeout(180)
class ServerLifecycleTest {
    @TempDir
    static Path dir;
    static TinyGallery tiny;
    /** Own threads: the common pool may have a single worker on a small machine, which would serialize the calls. */
    static final ExecutorService THREADS = Executors.newCachedThreadPool();

    @BeforeAll
    static void gallery() throws Exception {
        tiny = TinyGallery.create(dir, 4);
    }

    @Test
    void busyWorkerWithoutQueuePlaceAnswers503AtOnce() throws Exception {
        try (TinyGallery.GatedEngine engine = new TinyGallery.GatedEngine(TinyGallery.engine(tiny.model));
             EmbeddingStore store = EmbeddingStore.open(tiny.store, StoredImage.spec(engine), 1)) {
            QPertServer server = QPertServer.start(GalleryIndex.load(engine, store), null,
                    ServerOptions.defaults().withPort(0).withPool(1, 0));
            try {
                int port = server.port();
                engine.gateText = true;
                CompletableFuture<HttpResponse<String>> running = CompletableFuture.supplyAsync(() -> call(port), THREADS);
                assertTrue(engine.entered.await(30, TimeUnit.SECONDS), "first search reached the model");
                HttpResponse<String> refused = call(port);
                assertEquals(503, refused.statusCode(), "the one worker is busy and the queue has no place");
                assertTrue(refused.body().contains("busy"), refused.body());
                assertEquals("1", refused.headers().firstValue("Retry-After").orElse(""));
                assertEquals(200, get(port, "/v1/health").statusCode(), "health is not behind the model queue");
                engine.release.countDown();
                assertEquals(200, running.get(60, TimeUnit.SECONDS).statusCode());
                assertEquals(200, call(port).statusCode(), "free again");
                assertTrue(get(port, "/metrics").body().contains("status=\"503\""));
            } finally {
                engine.release.countDown();
                server.close();
            }
        }
    }

    @Test
    void shutdownDuringAWriteFinishesAndKeepsIt() throws Exception {
        String image = Base64.getEncoder().encodeToString(Files.readAllBytes(tiny.gallery.images().get(2).file()));
        try (TinyGallery.GatedEngine engine = new TinyGallery.GatedEngine(TinyGallery.engine(tiny.model));
             EmbeddingStore store = EmbeddingStore.open(tiny.store, StoredImage.spec(engine), 1)) {
            QPertServer server = QPertServer.start(GalleryIndex.load(engine, store), null,
                    ServerOptions.defaults().withPort(0).withPool(2, 4).withDrain(Duration.ofSeconds(20)));
            int port = server.port();
            engine.gateEmbed = true;
            CompletableFuture<HttpResponse<String>> write = CompletableFuture.supplyAsync(() -> {
                try {
                    return post(port, "/v1/images", "{\"id\": \"late.png\", \"image\": \"" + image + "\"}");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, THREADS);
            assertTrue(engine.entered.await(30, TimeUnit.SECONDS), "the write reached the model");
            CompletableFuture<Void> closed = CompletableFuture.runAsync(server::close, THREADS);
            Thread.sleep(300);
            assertFalse(closed.isDone(), "close waits for the accepted write");
            HttpResponse<String> during = post(port, "/v1/search", "{\"text\": \"a red ball\"}");
            assertEquals(503, during.statusCode(), "no new work while draining: " + during.body());
            engine.release.countDown();
            HttpResponse<String> r = write.get(60, TimeUnit.SECONDS);
            assertEquals(201, r.statusCode(), r.body());
            closed.get(60, TimeUnit.SECONDS);
        }
        try (EmbeddingStore reopened = EmbeddingStore.openExisting(tiny.store)) {
            assertTrue(reopened.contains("late.png"), "the write accepted before shutdown is on disk");
            assertEquals(5, reopened.ids().size());
        }
    }

    private static HttpResponse<String> call(int port) {
        try {
            return post(port, "/v1/search", "{\"text\": \"a red ball\", \"rerank\": 0}");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
