package org.qpert.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.qpert.loaders.hub.HubException;
import org.qpert.loaders.hub.HubSettings;

/** The builder takes a Hub id and finds the model in a Hub cache laid out as huggingface_hub does. */
@Timeout(60)
class QPertHubTest {
    static final String COMMIT = "89abcdef0123456789abcdef0123456789abcdef";

    @TempDir
    Path dir;

    @Test
    void aHubIdLoadsFromTheCacheOffline() throws IOException {
        Path cache = dir.resolve("hub");
        Path repo = cache.resolve("models--acme--tiny-blip2");
        Path snap = Files.createDirectories(repo.resolve("snapshots").resolve(COMMIT));
        Files.createDirectories(repo.resolve("blobs"));
        Path folder = Files.createDirectories(dir.resolve("folder"));
        QPertTest.writeTinyModel(folder);
        for (String f : new String[] {"config.json", "model.safetensors", "vocab.txt"}) {
            String blob = "blob-" + f.replace('.', '-');
            Files.copy(folder.resolve(f), repo.resolve("blobs").resolve(blob));
            Files.createSymbolicLink(snap.resolve(f), Path.of("../../blobs/" + blob));
        }
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs").resolve("main"), COMMIT);
        HubSettings offline = new HubSettings(URI.create("http://127.0.0.1:9"), cache, Optional.empty(), true,
                Duration.ofSeconds(1), 1, Duration.ZERO);

        try (QPert viaHub = QPert.builder().model("acme/tiny-blip2").hub(offline).build();
             QPert viaFolder = QPert.builder().model(folder).build()) {
            assertArrayEquals(viaFolder.embedText("a red ball").feature(), viaHub.embedText("a red ball").feature(), 0f);
        }
        HubException e = assertThrows(HubException.class,
                () -> QPert.builder().model("acme/other").hub(offline).build());
        assertTrue(e.getMessage().contains("HF_HUB_OFFLINE"), e.getMessage());
    }
}
