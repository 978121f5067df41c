package org.qpert.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.qpert.server.TinyGallery.get;
import static org.qpert.server.TinyGallery.post;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.core.qpert.Perturbation;
import org.qpert.engine.CaptionIndex;
import org.qpert.engine.DatasetLayout;
import org.qpert.engine.Gallery;
import org.qpert.engine.GalleryEmbedder;
import org.qpert.engine.GalleryIndex;
import org.qpert.engine.ModelEngine;
import org.qpert.engine.StoredImage;
import org.qpert.loaders.store.EmbeddingStore;
import org.qpert.loaders.synthetic.SyntheticDataset;

/**
 * The server on tiny-internvl (InternVL-G, the default for the Hub's InternVLModel folder), no family-specific code:
 * /v1/health names the family and variant and lists both kinds of perturbation site (QLLaMA's cross-attention layers
 * and the pooling block), searches rank by ITC alone, and a rerank request is a 400 that says why.
 */
@Timeout(120)
class ServerInternvlTest {
    @TempDir
    static Path dir;
    static ModelEngine engine;
    static EmbeddingStore store;
    static QPertServer server;
    static int port;
    static Gallery gallery;

    @BeforeAll
    static void start() throws Exception {
        engine = ModelEngine.load(Path.of("../testdata/parity/tiny-internvl"), Perturbation.published());
        SyntheticDataset.write(dir.resolve("data"), SyntheticDataset.Layout.FLICKR30K, 5, 0, 3);
        gallery = DatasetLayout.FLICKR30K.load(dir.resolve("data"), null, 0);
        store = EmbeddingStore.open(dir.resolve("store"), StoredImage.spec(engine), 4);
        GalleryEmbedder.embedMissing(engine, gallery.images(), store, 4);
        server = QPertServer.start(GalleryIndex.load(engine, store), CaptionIndex.of(engine, gallery.captions()),
                ServerOptions.defaults().withPort(0).withPool(2, 16));
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
    void healthNamesTheFamilyTheVariantAndBothKindsOfSite() throws Exception {
        JsonObject h = json(get(port, "/v1/health"));
        assertEquals("internvl", h.get("family").getAsString());
        assertEquals("InternVL-G", h.getAsJsonObject("settings").get(StoredImage.VARIANT).getAsString());
        JsonObject c = h.getAsJsonObject("capabilities");
        assertEquals(1, c.get("vectors_per_image").getAsInt());
        assertEquals("single_vector", c.get("similarity").getAsString());
        assertFalse(c.get("pair_scorer").getAsBoolean());
        JsonArray sites = c.getAsJsonArray("perturbation_sites");
        assertEquals(3, sites.size(), "cross-attention in QLLaMA layers 0 and 2, and the pooling block");
        assertEquals("qllama.model.layers.0.cross_attn", sites.get(0).getAsJsonObject().get("name").getAsString());
        assertEquals("clip_projector", sites.get(2).getAsJsonObject().get("name").getAsString());
        assertEquals(4, sites.get(2).getAsJsonObject().get("heads").getAsInt());
    }

    @Test
    void searchIsItcOnlyAndRerankIsRefusedSayingWhy() throws Exception {
        String caption = gallery.captions().get(0);
        HttpResponse<String> r = post(port, "/v1/search", "{\"text\": \"" + caption + "\", \"top\": 3}");
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(3, json(r).getAsJsonArray("results").size());
        HttpResponse<String> rerank = post(port, "/v1/search", "{\"text\": \"" + caption + "\", \"rerank\": 4}");
        assertEquals(400, rerank.statusCode(), rerank.body());
        assertTrue(rerank.body().contains("has no pair scorer"), rerank.body());
    }
}
