package org.qpert.engine;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The tiny BLIP-2 with RANDOM weights shipped in the jar (56 px images, 8 queries, a 100-word vocabulary made for the
 * generated demo captions), a tiny CoCa with RANDOM weights (56 px, one 32-wide vector per image, open_clip's
 * tokenizer), and the tiny OWLv2 detector with RANDOM weights (96 px images, 36 patches, a 90-token
 * CLIP vocabulary): they run the whole pipeline in seconds for demos and tests; their rankings and boxes mean nothing.
 */
public final class DemoModel {
    static final String RESOURCES = "/org/qpert/demo/tiny-blip2/";
    static final String DETECTOR_RESOURCES = "/org/qpert/demo/tiny-owlv2/";
    static final String COCA_RESOURCES = "/org/qpert/demo/tiny-coca/";
    private static final List<String> COCA_FILES = List.of("open_clip_config.json", "open_clip_model.safetensors");
    private static final List<String> FILES = List.of("config.json", "model.safetensors", "vocab.txt");
    private static final List<String> DETECTOR_FILES = List.of("config.json", "model.safetensors", "vocab.json",
            "merges.txt");

    private DemoModel() {
    }

    /** Copies the model into {@code dir} (safetensors are memory-mapped, so they need a real file); returns dir. */
    public static Path extract(Path dir) throws IOException {
        return extract(RESOURCES, FILES, dir);
    }

    /**
     * Copies the tiny CoCa (open_clip's own class and initialization at toy sizes, with the real tokenizer's
     * vocabulary; RANDOM weights) into {@code dir}; returns dir.
     */
    public static Path extractCoca(Path dir) throws IOException {
        return extract(COCA_RESOURCES, COCA_FILES, dir);
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
