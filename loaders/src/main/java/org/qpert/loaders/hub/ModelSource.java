package org.qpert.loaders.hub;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where a model's files are: the folder itself when it exists, else the Hub cache's snapshot of the Hub id
 * {@code ORG/NAME[@REVISION]} it spells, downloaded as needed. Every place that takes a model folder goes through here.
 */
public final class ModelSource {
    private ModelSource() {
    }

    /** {@link #resolve(Path, HubSettings)} with the settings of this process's environment (HF_* variables). */
    public static Path resolve(Path model) throws IOException {
        return Files.isDirectory(model) ? model : resolve(model, HubSettings.fromEnvironment());
    }

    /**
     * The folder {@code model}, or the snapshot of the Hub id it spells when no such folder exists. Path or id is
     * decided by form, before any download: a file, a name that is no {@code ORG/NAME[@REVISION]}, and an
     * {@code ORG/NAME} whose {@code ORG} is a local folder (a path to a folder that is not there) are refused at once.
     */
    public static Path resolve(Path model, HubSettings settings) throws IOException {
        if (Files.isDirectory(model)) {
            return model;
        }
        if (Files.exists(model)) {
            throw new IllegalArgumentException(model + " is a file, not a model folder (give the folder that holds it)");
        }
        Optional<HubModelId> id = HubModelId.parse(model.toString().replace(File.separatorChar, '/'));
        if (id.isEmpty()) {
            throw new IllegalArgumentException(model + " is neither a folder nor a Hub id ORG/NAME[@REVISION]");
        }
        Path parent = model.getParent();
        if (parent != null && Files.isDirectory(parent)) {
            throw new IllegalArgumentException("no folder " + model + " (read as a path, not a Hub id, since the folder "
                    + parent + " exists)");
        }
        return new HubClient(settings).snapshot(id.get());
    }
}
