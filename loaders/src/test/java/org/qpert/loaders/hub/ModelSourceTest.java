package org.qpert.loaders.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model folder or a Hub id, decided by the form of what is given, before the Hub is asked anything. */
class ModelSourceTest {
    @TempDir
    Path dir;

    /** Offline with an empty cache: reaching the Hub would fail with a Hub error, not the path errors asserted here. */
    private HubSettings offline() {
        return HubSettings.from(Map.of(), dir.resolve("home")).withCache(dir.resolve("cache")).withOffline(true);
    }

    @Test
    void aFileIsRefusedAsAFile() throws Exception {
        Path file = Files.writeString(dir.resolve("model.safetensors"), "x");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelSource.resolve(file, offline()));
        assertEquals(file + " is a file, not a model folder (give the folder that holds it)", e.getMessage());
    }

    /** {@code target/...}, relative, has the form ORG/NAME, but target is a local folder: a path, not an id. */
    @Test
    void aRelativePathUnderAnExistingFolderIsNoHubId() throws Exception {
        Files.createDirectories(Path.of("target"));
        Path missing = Path.of("target", "no-such-model");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelSource.resolve(missing, offline()));
        assertTrue(e.getMessage().startsWith("no folder " + missing + " (read as a path, not a Hub id"),
                e.getMessage());
    }

    @Test
    void aNameOfNoHubFormIsNeither() {
        Path odd = dir.resolve("a").resolve("b").resolve("c");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelSource.resolve(odd, offline()));
        assertEquals(odd + " is neither a folder nor a Hub id ORG/NAME[@REVISION]", e.getMessage());
    }
}
