package org.qpert.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** The check of a --model folder. */
final class Models {
    private Models() {
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
