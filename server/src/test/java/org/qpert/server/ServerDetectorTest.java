package org.qpert.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.api.Detection;
import org.qpert.api.Detector;
import org.qpert.api.DetectorSettings;
import org.qpert.core.qpert.Perturbation;
import org.qpert.engine.DetectMode;
import org.qpert.engine.GalleryIndex;
import org.qpert.engine.ModelEngine;
import org.qpert.engine.StoredImage;
import org.qpert.loaders.store.EmbeddingStore;

/** With --detector, an image sent without boxes is stored with the boxes the detector finds (tiny random OWLv2). */
@Timeout(180)
class ServerDetectorTest {
    static final Path OWLV2 = Path.of("../testdata/parity/tiny-owlv2");

    @TempDir
    Path dir;

    @Test
    void imagesWithoutBoxesGetDetectedOnes() throws Exception {
        TinyGallery tiny = TinyGallery.create(dir, 2);
        // Threshold 0, no NMS, at most 3: the random tiny detector always yields exactly 3 boxes.
        DetectorSettings settings = new DetectorSettings(0, 1, 0, 3, List.of());
        Path image = tiny.gallery.images().get(0).file();
        List<Detection> expected;
        try (Detector detector = Detector.load(OWLV2, settings)) {
            expected = detector.detect(image);
        }
        assertEquals(3, expected.size());
        try (ModelEngine engine = ModelEngine.load(tiny.model, Perturbation.published(), "cpu", "f32",
                new ModelEngine.Detection(OWLV2, settings, DetectMode.MISSING));
             EmbeddingStore store = EmbeddingStore.open(dir.resolve("detected-store"), StoredImage.spec(engine), 1)) {
            QPertServer server = QPertServer.start(GalleryIndex.load(engine, store), null,
                    ServerOptions.defaults().withPort(0));
            try {
                int port = server.port();
                assertTrue(get(port, "/v1/health").body().contains("\"detector\":true"));
                String b64 = Base64.getEncoder().encodeToString(Files.readAllBytes(image));
                HttpResponse<String> r = post(port, "/v1/images", "{\"id\": \"detected.png\", \"image\": \"" + b64
                        + "\"}");
                assertEquals(201, r.statusCode(), r.body());
                JsonObject o = JsonParser.parseString(r.body()).getAsJsonObject();
                assertTrue(o.get("detected").getAsBoolean());
                JsonArray boxes = o.getAsJsonArray("boxes");
                assertEquals(3, boxes.size());
                for (int i = 0; i < 3; i++) {
                    assertEquals(expected.get(i).x0(), boxes.get(i).getAsJsonArray().get(0).getAsDouble(), 1e-9);
                    assertEquals(expected.get(i).y1(), boxes.get(i).getAsJsonArray().get(3).getAsDouble(), 1e-9);
                }
                assertEquals(3, StoredImage.of(store, "detected.png").boxes().size());
                assertTrue(StoredImage.of(store, "detected.png").annotated());
                HttpResponse<String> given = post(port, "/v1/images", "{\"id\": \"given.png\", \"image\": \"" + b64
                        + "\", \"boxes\": [[1, 1, 20, 20]]}");
                assertEquals(201, given.statusCode(), given.body());
                assertEquals(1, StoredImage.of(store, "given.png").boxes().size(), "given boxes win");
                HttpResponse<String> search = post(port, "/v1/search/image", "{\"image\": \"" + b64
                        + "\", \"captions\": [\"a red ball\", \"a blue square\"]}");
                assertEquals(200, search.statusCode(), search.body());
                assertEquals(3, JsonParser.parseString(search.body()).getAsJsonObject().getAsJsonArray("boxes")
                        .size(), "the image query is perturbed with its detected boxes");
            } finally {
                server.close();
            }
        }
    }
}
