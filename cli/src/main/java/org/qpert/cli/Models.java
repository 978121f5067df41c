package org.qpert.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The tiny random BLIP-2 and OWLv2 detector bundled in the jar for {@code qpert demo}, and the check of a --model
 * folder.
 */
final class Models {
    static final String BUNDLED = "/org/qpert/demo/tiny-blip2/";
    static final String BUNDLED_DETECTOR = "/org/qpert/demo/tiny-owlv2/";
    private static final List<String> FILES = List.of("config.json", "model.safetensors", "vocab.txt");
    private static final List<String> DETECTOR_FILES = List.of("config.json", "model.safetensors", "vocab.json",
            "merges.txt");

    private Models() {
    }

    /** Copies the bundled tiny model into {@code dir} (safetensors are memory-mapped, so they need a real file). */
    static Path extractBundled(Path dir) throws IOException {
        return extract(BUNDLED, FILES, dir);
    }

    /** Copies the bundled tiny OWLv2 detector into {@code dir}. */
    static Path extractBundledDetector(Path dir) throws IOException {
        return extract(BUNDLED_DETECTOR, DETECTOR_FILES, dir);
    }

    private static Path extract(String resource, List<String> files, Path dir) throws IOException {
        Files.createDirectories(dir);
        for (String f : files) {
            try (InputStream in = Models.class.getResourceAsStream(resource + f)) {
                if (in == null) {
                    throw new IllegalStateException("the jar lacks the bundled model file " + resource + f);
                }
                Files.copy(in, dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return dir;
    }

    /** Throws a one-line error when {@code dir} is not a checkpoint folder. */
    static Path requireModelDir(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--model " + dir + " is not a directory (expected a checkpoint folder "
                    + "with config.json, *.safetensors and vocab.txt or tokenizer.json, e.g. a download of "
                    + "Salesforce/blip2-itm-vit-g)");
        }
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            throw new IllegalArgumentException("--model " + dir + " has no config.json");
        }
        return dir;
    }
}
