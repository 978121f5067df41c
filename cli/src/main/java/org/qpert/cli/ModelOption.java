package org.qpert.cli;

import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --model}, the one declaration every command shares: a {@code @Mixin} where the command needs a model, an
 * optional {@code @ArgGroup} where it has a default or another source (its option then is required only within the
 * group, i.e. optional).
 */
final class ModelOption {
    @Option(names = "--model", required = true, paramLabel = "DIR|ORG/NAME[@REV]",
            description = "A model folder of any family ('qpert info --model DIR' names it), or a Hugging Face Hub id "
                    + "fetched into the Hub cache.")
    Path model;

    private Path dir;

    /** What --model spells, as given (a folder or a Hub id). */
    Path given() {
        return model;
    }

    /** The folder --model names, or the Hub snapshot of the id it spells (resolved once). */
    Path dir() throws IOException {
        if (dir == null) {
            dir = Models.requireModelDir(model);
        }
        return dir;
    }
}
