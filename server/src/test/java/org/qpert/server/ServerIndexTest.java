package org.qpert.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.qpert.server.TinyGallery.get;
import static org.qpert.server.TinyGallery.post;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.engine.GalleryImage;
import org.qpert.engine.GalleryIndex;
import org.qpert.engine.ModelEngine;
import org.qpert.engine.StoredImage;
import org.qpert.index.IndexedSearch;
import org.qpert.index.LuceneItc;
import org.qpert.loaders.store.EmbeddingStore;

/** /v1/search through the store's Lucene index (exact) answers as the in-memory server; an added image is found. */
@Timeout(180)
class ServerIndexTest {
    @TempDir
    Path dir;

    static JsonObject json(HttpResponse<String> r) {
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    /** The results without took_ms: rank, id, scores (printed floats of the same values), boxes. */
    static JsonArray results(int port, String caption, int rerank) throws Exception {
        HttpResponse<String> r = post(port, "/v1/search", "{\"text\": \"" + caption + "\", \"top\": 6, \"rerank\": "
                + rerank + "}");
        assertEquals(200, r.statusCode(), r.body());
        return json(r).getAsJsonArray("results");
    }

    @Test
    void indexedServerAnswersAsTheInMemoryOneAndIndexesAddedImages() throws Exception {
        TinyGallery tiny = TinyGallery.create(dir, 6);
        try (ModelEngine engine = TinyGallery.engine(tiny.model);
             EmbeddingStore store = EmbeddingStore.open(tiny.store, StoredImage.spec(engine), 1)) {
            IndexedSearch.build(store, false);
            try (LuceneItc itc = IndexedSearch.forWriter(store, "auto")) {
                assertNotNull(itc);
                ServerOptions options = ServerOptions.defaults().withPort(0).withPool(2, 8);
                QPertServer memory = QPertServer.start(GalleryIndex.load(engine, store), null, options);
                QPertServer indexed = QPertServer.start(GalleryIndex.load(engine, store, itc), null, options);
                try {
                    assertEquals("lucene exact", json(get(indexed.port(), "/v1/health")).get("itc").getAsString());
                    assertEquals("memory", json(get(memory.port(), "/v1/health")).get("itc").getAsString());
                    for (String caption : tiny.gallery.captions().subList(0, 4)) {
                        for (int rerank : new int[] {0, 3}) {
                            JsonArray a = results(memory.port(), caption, rerank);
                            JsonArray b = results(indexed.port(), caption, rerank);
                            assertEquals(a.size(), b.size());
                            for (int i = 0; i < a.size(); i++) {
                                JsonObject x = a.get(i).getAsJsonObject(), y = b.get(i).getAsJsonObject();
                                assertEquals(x.get("id"), y.get("id"), caption + " rank " + i);
                                assertEquals(x.get("itm"), y.get("itm"), caption + " rank " + i);
                                // ITC from the index's dot products and the backend's: within 1e-5.
                                assertEquals(x.get("itc").getAsDouble(), y.get("itc").getAsDouble(), 1e-5);
                                assertEquals(x.get("score").getAsDouble(), y.get("score").getAsDouble(), 1e-5);
                            }
                        }
                    }
                    GalleryImage src = tiny.gallery.images().get(2);
                    String image = Base64.getEncoder().encodeToString(Files.readAllBytes(src.file()));
                    HttpResponse<String> added = post(indexed.port(), "/v1/images", "{\"id\": \"added.png\", "
                            + "\"image\": \"" + image + "\"}");
                    assertEquals(201, added.statusCode(), added.body());
                    HttpResponse<String> seven = post(indexed.port(), "/v1/search", "{\"text\": \"a\", \"top\": 7, "
                            + "\"rerank\": 0}");
                    JsonObject found = json(seven);
                    assertEquals(7, found.get("images").getAsInt());
                    assertTrue(found.getAsJsonArray("results").asList().stream()
                            .anyMatch(e -> e.getAsJsonObject().get("id").getAsString().equals("added.png")),
                            "the added image comes back from the index: " + seven.body());
                } finally {
                    indexed.close();
                    memory.close();
                }
            }
        }
    }
}
