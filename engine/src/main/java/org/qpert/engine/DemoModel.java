package org.qpert.engine;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The tiny BLIP-2 with RANDOM weights shipped in the jar (56 px images, 8 queries, a 100-word vocabulary made for the
 * generated demo captions), and the tiny OWLv2 detector with RANDOM weights (96 px images, 36 patches, a 90-token
 * CLIP vocabulary): they run the whole pipeline in seconds for demos and tests; their rankings and boxes mean nothing.
 */
public final class DemoModel {
    static final String RESOURCES = "/org/qpert/demo/tiny-blip2/";
    static final String DETECTOR_RESOURCES = "/org/qpert/demo/tiny-owlv2/";
    private static final List<String> FILES = List.of("config.json", "model.safetensors", "vocab.txt");
    private static final List<String> DETECTOR_FILES = List.of("config.json", "model.safetensors", "vocab.json",
            "merges.txt");

    private DemoModel() {
    }

    /** Copies the model into {@code dir} (safetensors are memory-mapped, so they need a real file); returns dir. */
    public static Path extract(Path dir) throws IOException {
        return extract(RESOURCES, FILES, dir);
    }

    /** Copies the detector into {@code dir}; returns dir. */
    public static Path extractDetector(Path dir) throws IOException {
        return extract(DETECTOR_RESOURCES, DETECTOR_FILES, dir);
    }

    private static Path extract(String resources, List<String> files, Path dir) throws IOException {
        Files.createDirectories(dir);
        for (String f : files) {
            try (InputStream in = DemoModel.class.getResourceAsStream(resources + f)) {
                if (in == null) {
                    throw new IllegalStateException("the jar lacks the bundled model file " + resources + f);
                }
                Files.copy(in, dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return dir;
    }
}
