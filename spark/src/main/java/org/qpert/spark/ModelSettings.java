package org.qpert.spark;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.qpert.api.DetectorSettings;
import org.qpert.core.qpert.CoverageMode;
import org.qpert.core.qpert.Perturbation;
import org.qpert.core.qpert.WeightType;
import org.qpert.engine.DetectMode;
import org.qpert.engine.ModelEngine;
import org.qpert.loaders.ModelFingerprint;

/**
 * Which engine every executor loads: the driver sends this to the executors, and each JVM loads it once
 * ({@link ExecutorEngines}). Paths are strings because the same folder must be reachable on every machine.
 *
 * @param model     checkpoint folder of any family (or Hub id)
 * @param perturb   whether to store Q-Perturbed features too (the published setting with {@code alpha} and {@code tau})
 * @param detector  OWLv2 checkpoint folder, null for none
 * @param detect    with a detector: "missing" (images without manifest boxes) or "all"
 * @param variant   which of the checkpoint's models embeds images where it holds several (e.g. InternVL's C or G),
 *                  null for the folder's own
 */
public record ModelSettings(String model, boolean perturb, double alpha, double tau, String device, String precision,
                            String detector, String detect, String variant) implements Serializable {

    /** Checks every setting without loading anything, so that a bad flag fails on the driver before any task. */
    public ModelSettings {
        java.util.Objects.requireNonNull(model, "model");
        java.util.Objects.requireNonNull(device, "device");
        java.util.Objects.requireNonNull(precision, "precision");
        if (detector == null && detect != null) {
            throw new IllegalArgumentException("--detect needs --detector DIR");
        }
        new Perturbation(alpha, tau, WeightType.CONSTANT, CoverageMode.MASK_RESIZE, Optional.empty());
        if (detect != null) {
            DetectMode.parse(detect);
        }
    }

    Perturbation perturbation() {
        Perturbation p = new Perturbation(alpha, tau, WeightType.CONSTANT, CoverageMode.MASK_RESIZE, Optional.empty());
        return perturb ? p : p.withLayers();
    }

    /** Null without a detector. */
    DetectMode detectMode() {
        return detector == null ? null : detect == null ? DetectMode.MISSING : DetectMode.parse(detect);
    }

    ModelEngine load() throws IOException {
        ModelEngine.Detection detection = detector == null ? null
                : new ModelEngine.Detection(Path.of(detector), DetectorSettings.defaults(), detectMode());
        return ModelEngine.load(Path.of(model), variant, perturbation(), device, precision, detection);
    }

    /**
     * What the stored features depend on, read on the driver without loading a model (checkpoint fingerprints, not
     * folder names): parts made with other settings must not be taken as done.
     */
    Map<String, String> identity() throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("model", fingerprint(model));
        out.put("perturbation", ModelEngine.describe(perturbation()));
        out.put("detector", detector == null ? "none" : fingerprint(detector));
        if (variant != null) {
            out.put("variant", variant);
        }
        if (detector != null) {
            out.put("detector_settings", DetectorSettings.defaults().toString());
            out.put("detect", detectMode().name().toLowerCase(java.util.Locale.ROOT));
        }
        return out;
    }

    private static String fingerprint(String dir) throws IOException {
        Path p = Path.of(dir);
        return Files.isDirectory(p) ? ModelFingerprint.of(p) : dir;
    }
}
