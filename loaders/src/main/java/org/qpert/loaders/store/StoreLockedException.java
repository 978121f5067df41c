package org.qpert.loaders.store;

import java.nio.file.Path;

/** Another process is writing the store (its lock names the holder). */
public final class StoreLockedException extends IllegalStateException {
    public StoreLockedException(Path dir, String holder) {
        super("store " + dir + " is being written by " + holder + "; wait for that run to finish or stop it");
    }
}
