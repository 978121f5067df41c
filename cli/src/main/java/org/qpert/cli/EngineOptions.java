package org.qpert.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.qpert.engine.DetectMode;
import org.qpert.engine.ModelEngine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * What embed, search, eval and demo share: the Q-Perturbation flags, the device, the optional object detector, and
 * loading the engine.
 */
final class EngineOptions {
    @Mixin
    PerturbationOptions perturbation;

    @Mixin
    DeviceOptions device;

    @Option(names = "--detector", paramLabel = "DIR", description = "OWLv2 checkpoint folder (e.g. a download of "
            + "google/owlv2-base-patch16-ensemble): images without annotated boxes get detected ones.")
    Path detector;

    @Option(names = "--detect", paramLabel = "WHICH", description = "With --detector: 'missing' (default) detects "
            + "images without a box annotation, 'all' every image (annotations ignored).")
    String detect;

    @Mixin
    DetectorOptions detectorOptions;

    @Option(names = "--variant", paramLabel = "NAME", description = "Which of the checkpoint's models embeds images, "
            + "where it holds several: InternVL C or G (default G; a config.json whose architectures name InternVL_C "
            + "or InternVL_G is that one). Recorded in the store.")
    String variant;

    /** The detector part, validated without loading anything; null without --detector. */
    ModelEngine.Detection detection() {
        if (detector == null) {
            if (detect != null || detectorOptions.anyGiven()) {
                throw new IllegalArgumentException("--detect, --queries, --threshold, --nms, --max-boxes and "
                        + "--min-size set up the detector: they need --detector DIR");
            }
            return null;
        }
        DetectMode mode = detect == null ? DetectMode.MISSING : DetectMode.parse(detect);
        return new ModelEngine.Detection(detector, detectorOptions.settings(), mode);
    }

    /** Validates the flags (e.g. --alpha, --tau, the detector's) without loading anything: commands call it first. */
    void check() {
        perturbation.toPerturbation();
        detection();
    }

    ModelEngine load(Path modelDir) throws IOException {
        return load(modelDir, detection());
    }

    ModelEngine load(Path modelDir, ModelEngine.Detection detection) throws IOException {
        return ModelEngine.load(modelDir, variant, perturbation.toPerturbation(), device.device, device.precision,
                detection);
    }
}
