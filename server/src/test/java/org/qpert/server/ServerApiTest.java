package org.qpert.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.qpert.server.TinyGallery.get;
import static org.qpert.server.TinyGallery.post;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.engine.CaptionIndex;
import org.qpert.engine.GalleryImage;
import org.qpert.engine.GalleryIndex;
import org.qpert.engine.ModelEngine;
import org.qpert.engine.StoredImage;
import org.qpert.loaders.store.EmbeddingStore;

/** The JSON API on the tiny model: search, image search, adding images, health, metrics, and every bad request. */
@Timeout(180)
class ServerApiTest {
    @TempDir
    static Path dir;
    static TinyGallery tiny;
    static ModelEngine engine;
    static EmbeddingStore store;
    static QPertServer server;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        tiny = TinyGallery.create(dir, 8);
        engine = TinyGallery.engine(tiny.model);
        store = EmbeddingStore.open(tiny.store, StoredImage.spec(engine), 1);
        server = QPertServer.start(GalleryIndex.load(engine, store),
                CaptionIndex.of(engine, tiny.gallery.captions()),
                ServerOptions.defaults().withPort(0).withPool(2, 32).withMaxBodyBytes(256 * 1024));
        port = server.port();
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
        store.close();
        engine.close();
    }

    static JsonObject json(HttpResponse<String> r) {
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    @Test
    void searchReturnsRankedImagesWithScoresAndBoxes() throws Exception {
        String caption = tiny.gallery.captions().get(0);
        HttpResponse<String> r = post(port, "/v1/search", "{\"text\": \"" + caption + "\", \"top\": 5, \"rerank\": 3}");
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        JsonArray results = json(r).getAsJsonArray("results");
        assertEquals(5, results.size());
        int reranked = 0;
        double previous = Double.POSITIVE_INFINITY;
        for (var e : results) {
            JsonObject h = e.getAsJsonObject();
            double score = h.get("score").getAsDouble();
            assertTrue(score <= previous, "best first");
            previous = score;
            if (!h.get("itm").isJsonNull()) {
                reranked++;
                assertEquals(h.get("itc").getAsDouble() + h.get("itm").getAsDouble(), score, 1e-5);
            }
            assertTrue(h.get("width").getAsInt() > 0 && h.get("height").getAsInt() > 0);
            assertNotNull(h.getAsJsonArray("boxes"));
        }
        assertEquals(3, reranked, "the ITC top 3 carry ITM scores");
        // Same ranking as the library called directly (the server adds nothing to the scores).
        List<GalleryIndex.Result> direct = GalleryIndex.load(engine, store).searchText(caption, 5, 3, true);
        for (int i = 0; i < 5; i++) {
            assertEquals(direct.get(i).id(), results.get(i).getAsJsonObject().get("id").getAsString());
        }
        JsonObject off = json(post(port, "/v1/search", "{\"text\": \"" + caption + "\", \"qpert\": false}"));
        assertFalse(off.get("qpert").getAsBoolean());
        assertEquals(Math.min(10, off.get("images").getAsInt()), off.getAsJsonArray("results").size(),
                "top 10 of 8 or 9 images (another test adds one)");
    }

    @Test
    void thumbnailsOfStoredImagesAndNothingElse() throws Exception {
        String id = tiny.gallery.images().get(0).id();
        HttpResponse<byte[]> r = TinyGallery.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/v1/thumbnail?id=" + id)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode());
        assertEquals("image/jpeg", r.headers().firstValue("Content-Type").orElse(""));
        assertEquals(0xff, r.body()[0] & 0xff);
        assertEquals(404, get(port, "/v1/thumbnail?id=../../etc/passwd").statusCode());
        assertEquals(404, get(port, "/v1/thumbnail").statusCode());
    }

    @Test
    void searchByImageAgainstServerAndRequestCaptions() throws Exception {
        GalleryImage first = tiny.gallery.images().get(0);
        String image = Base64.getEncoder().encodeToString(Files.readAllBytes(first.file()));
        StringBuilder boxes = new StringBuilder("[");
        first.boxes().forEach(b -> boxes.append(boxes.length() > 1 ? "," : "").append("[").append(b.x0()).append(",")
                .append(b.y0()).append(",").append(b.x1()).append(",").append(b.y1()).append("]"));
        boxes.append("]");
        HttpResponse<String> r = post(port, "/v1/search/image", "{\"image\": \"" + image + "\", \"boxes\": " + boxes
                + ", \"top\": 4, \"rerank\": 2}");
        assertEquals(200, r.statusCode(), r.body());
        JsonArray results = json(r).getAsJsonArray("results");
        assertEquals(4, results.size());
        assertTrue(tiny.gallery.captions().contains(results.get(0).getAsJsonObject().get("caption").getAsString()));
        HttpResponse<String> own = post(port, "/v1/search/image", "{\"image\": \"" + image
                + "\", \"captions\": [\"a red ball\", \"a blue square\"], \"rerank\": 0}");
        assertEquals(200, own.statusCode(), own.body());
        assertEquals(2, json(own).getAsJsonArray("results").size());
    }

    @Test
    void addedImageIsPersistedSearchableAndReloadable() throws Exception {
        GalleryImage src = tiny.gallery.images().get(1);
        String image = Base64.getEncoder().encodeToString(Files.readAllBytes(src.file()));
        HttpResponse<String> r = post(port, "/v1/images", "{\"id\": \"uploads/new one.png\", \"image\": \"" + image
                + "\", \"boxes\": [[2, 3, 30, 40]]}");
        assertEquals(201, r.statusCode(), r.body());
        assertEquals(9, json(r).get("images").getAsInt());
        assertEquals(409, post(port, "/v1/images", "{\"id\": \"uploads/new one.png\", \"image\": \"" + image
                + "\"}").statusCode());
        try (EmbeddingStore reopened = EmbeddingStore.openExisting(tiny.store)) {
            assertTrue(reopened.contains("uploads/new one.png"), "on disk when 201 is answered");
            StoredImage m = StoredImage.of(reopened, "uploads/new one.png");
            assertEquals(1, m.boxes().size());
            assertTrue(Files.isRegularFile(Path.of(m.file())), "the uploaded bytes are kept for thumbnails");
        }
        assertEquals(200, get(port, "/v1/thumbnail?id=uploads%2Fnew%20one.png").statusCode());
        JsonObject all = json(post(port, "/v1/search", "{\"text\": \"a red ball\", \"top\": 20, \"rerank\": 0}"));
        assertEquals(9, all.getAsJsonArray("results").size());
    }

    @Test
    void badRequestsGetJsonErrorsAndTheServerStaysUp() throws Exception {
        String[][] cases = {
                {"/v1/search", "not json", "400"},
                {"/v1/search", "[1, 2]", "400"},
                {"/v1/search", "{}", "400"},
                {"/v1/search", "{\"text\": \"   \"}", "400"},
                {"/v1/search", "{\"text\": \"red\", \"top\": 0}", "400"},
                {"/v1/search", "{\"text\": \"red\", \"top\": 1.5}", "400"},
                {"/v1/search", "{\"text\": \"red\", \"rerank\": 100000}", "400"},
                {"/v1/search", "{\"text\": \"red\", \"qpert\": \"yes\"}", "400"},
                {"/v1/search", "{\"text\": \"" + "[".repeat(5000) + "\"}", "400"},
                {"/v1/search", "[".repeat(100_000), "400"},
                {"/v1/search/image", "{\"image\": \"@@@\"}", "400"},
                {"/v1/search/image", "{\"image\": \"aGVsbG8gd29ybGQ=\"}", "400"},
                {"/v1/images", "{\"image\": \"aGVsbG8=\"}", "400"},
                {"/v1/images", "{\"id\": \"a\\u0000b\", \"image\": \"aGVsbG8=\"}", "400"},
                {"/v1/images", "{\"id\": \"a\", \"image\": \"" + png() + "\", \"boxes\": [[1, 2, 3]]}", "400"},
                {"/v1/images", "{\"id\": \"a\", \"image\": \"" + png() + "\", \"boxes\": [[5, 5, 1, 1]]}", "400"},
                {"/v1/search", "{\"text\": \"" + "x".repeat(300 * 1024) + "\"}", "413"},
                {"/nope", "{}", "404"},
        };
        for (String[] c : cases) {
            HttpResponse<String> r = post(port, c[0], c[1]);
            assertEquals(Integer.parseInt(c[2]), r.statusCode(), c[0] + " " + c[1].substring(0,
                    Math.min(60, c[1].length())) + " -> " + r.body());
            JsonObject body = json(r);
            assertEquals(Integer.parseInt(c[2]), body.get("status").getAsInt());
            assertFalse(body.get("error").getAsString().isBlank());
        }
        HttpResponse<String> wrong = get(port, "/v1/search");
        assertEquals(405, wrong.statusCode());
        assertEquals("POST", wrong.headers().firstValue("Allow").orElse(""));
        assertEquals(405, post(port, "/v1/health", "{}").statusCode());
        assertEquals(200, get(port, "/v1/health").statusCode(), "still serving");
        assertEquals(200, post(port, "/v1/search", "{\"text\": \"a red ball\"}").statusCode());
    }

    @Test
    void concurrentClientsGetTheSameAnswerAsOneClient() throws Exception {
        List<String> captions = tiny.gallery.captions().subList(0, 4);
        List<String> expected = new ArrayList<>();
        for (String c : captions) {
            expected.add(json(post(port, "/v1/search", "{\"text\": \"" + c + "\", \"top\": 3, \"rerank\": 2}"))
                    .getAsJsonArray("results").toString());
        }
        ExecutorService clients = Executors.newFixedThreadPool(12);
        try {
            List<Future<HttpResponse<String>>> futures = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                String c = captions.get(i % captions.size());
                futures.add(clients.submit(() -> post(port, "/v1/search", "{\"text\": \"" + c
                        + "\", \"top\": 3, \"rerank\": 2}")));
            }
            for (int i = 0; i < futures.size(); i++) {
                HttpResponse<String> r = futures.get(i).get();
                assertEquals(200, r.statusCode(), r.body());
                assertEquals(expected.get(i % captions.size()), json(r).getAsJsonArray("results").toString());
            }
        } finally {
            clients.shutdownNow();
        }
    }

    @Test
    void healthMetricsAndPage() throws Exception {
        post(port, "/v1/search", "{\"text\": \"a red ball\"}");
        JsonObject health = json(get(port, "/v1/health"));
        assertEquals("ok", health.get("status").getAsString());
        assertTrue(health.get("images").getAsInt() >= 8);
        assertTrue(health.get("qpert").getAsBoolean());
        HttpResponse<String> metrics = get(port, "/metrics");
        assertEquals(200, metrics.statusCode());
        assertTrue(metrics.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
        String m = metrics.body();
        assertTrue(m.contains("# TYPE qpert_http_requests_total counter"), m);
        assertTrue(m.matches("(?s).*qpert_http_requests_total\\{route=\"/v1/search\",method=\"POST\",status=\"200\"} "
                + "[1-9].*"), m);
        assertTrue(m.contains("qpert_http_request_duration_seconds_bucket{route=\"/v1/search\",le=\"+Inf\"}"), m);
        assertTrue(m.contains("qpert_gallery_images "), m);
        HttpResponse<String> page = get(port, "/");
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("<form id=\"search\">"));
    }

    private static String png() throws Exception {
        return Base64.getEncoder().encodeToString(Files.readAllBytes(tiny.gallery.images().get(0).file()));
    }
}
