package org.qpert.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.qpert.family.ModelFamilies;
import org.qpert.loaders.hub.ModelSource;

/** Where a --model folder or Hub id is. */
final class Models {
    private Models() {
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
            throw new IllegalArgumentException("--model " + e.getMessage()
                    + " (expected a checkpoint folder of a known model family, e.g. config.json, *.safetensors and "
                    + "vocab.txt for BLIP-2, or a Hub id such as Salesforce/blip2-itm-vit-g)", e);
        }
        if (!Files.isRegularFile(dir.resolve("config.json"))) {
            try {
                ModelFamilies.of(dir); // a family whose folders have no config.json (open_clip's) recognises it
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--model " + e.getMessage());
            }
        }
        return dir;
    }
}
