package org.qpert.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.qpert.loaders.hub.ModelSource;

/** The tiny random BLIP-2 bundled in the jar for {@code qpert demo}, and where a --model folder or Hub id is. */
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

    /**
     * The checkpoint folder {@code --model} names: the folder itself, or the Hub cache's snapshot of a Hub id
     * ({@code ORG/NAME[@REVISION]}, downloaded as needed); a one-line error when it is neither.
     */
    static Path requireModelDir(Path model) throws IOException {
        Path dir;
        try {
            dir = ModelSource.resolve(model);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--model " + model + " is neither a folder nor a Hub id ORG/NAME[@REVISION]"
                    + " (expected a checkpoint folder with config.json, *.safetensors and vocab.txt or tokenizer.json,"
                    + " or e.g. Salesforce/blip2-itm-vit-g)");
        }
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            throw new IllegalArgumentException("--model " + dir + " has no config.json");
        }
        return dir;
    }
}
