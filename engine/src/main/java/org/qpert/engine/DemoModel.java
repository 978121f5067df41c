package org.qpert.engine;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The tiny BLIP-2 with RANDOM weights shipped in the jar (56 px images, 8 queries, a 100-word vocabulary made for the
 * generated demo captions): runs the whole pipeline in seconds for demos and tests; its rankings mean nothing.
 */
public final class DemoModel {
    static final String RESOURCES = "/org/qpert/demo/tiny-blip2/";
    private static final List<String> FILES = List.of("config.json", "model.safetensors", "vocab.txt");

    private DemoModel() {
    }

    /** Copies the model into {@code dir} (safetensors are memory-mapped, so they need a real file); returns dir. */
    public static Path extract(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (String f : FILES) {
            try (InputStream in = DemoModel.class.getResourceAsStream(RESOURCES + f)) {
                if (in == null) {
                    throw new IllegalStateException("the jar lacks the bundled model file " + RESOURCES + f);
                }
                Files.copy(in, dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return dir;
    }
}
