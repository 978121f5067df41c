package org.qpert.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.qpert.engine.ModelEngine;

/**
 * The engines of this JVM, one per {@link ModelSettings}: an executor loads its model once and every task it runs
 * (concurrently, on its cores) shares it, as the engine allows. Closed when the JVM exits.
 */
final class ExecutorEngines {
    private static final System.Logger LOG = System.getLogger(ExecutorEngines.class.getName());
    private static final Map<ModelSettings, ModelEngine> LOADED = new ConcurrentHashMap<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LOADED.values().forEach(e -> {
            try {
                e.close();
            } catch (Exception ex) {
                LOG.log(System.Logger.Level.WARNING, "closing an engine at exit: " + ex.getMessage());
            }
        }), "qpert-engines-close"));
    }

    private ExecutorEngines() {
    }

    /** The engine for {@code settings}, loading it when this JVM has none (other tasks wait for that load). */
    static ModelEngine get(ModelSettings settings) {
        return LOADED.computeIfAbsent(settings, s -> {
            try {
                LOG.log(System.Logger.Level.INFO, "loading model " + s.model() + " in this executor");
                return s.load();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot load model " + s.model() + ": " + e.getMessage(), e);
            }
        });
    }
}
