package org.qpert.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/** The tiny random BLIP-2 bundled in the jar for {@code qpert demo}, and the check of a --model folder. */
final class Models {
    static final String BUNDLED = "/org/qpert/demo/tiny-blip2/";
    private static final List<String> FILES = List.of("config.json", "model.safetensors", "vocab.txt");

    private Models() {
    }

    /** Copies the bundled tiny model into {@code dir} (safetensors are memory-mapped, so they need a real file). */
    static Path extractBundled(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (String f : FILES) {
            try (InputStream in = Models.class.getResourceAsStream(BUNDLED + f)) {
                if (in == null) {
                    throw new IllegalStateException("the jar lacks the bundled model file " + BUNDLED + f);
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
