package org.qpert.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.qpert.engine.Blip2Engine;
import picocli.CommandLine.Mixin;

/** What embed, search, eval and demo share: the Q-Perturbation flags and the device, and loading the engine. */
final class EngineOptions {
    @Mixin
    PerturbationOptions perturbation;

    @Mixin
    DeviceOptions device;

    /** Validates the flags (e.g. --alpha, --tau) without loading anything: commands call it first. */
    void check() {
        perturbation.toPerturbation();
    }

    Blip2Engine load(Path modelDir) throws IOException {
        return Blip2Engine.load(modelDir, perturbation.toPerturbation(), device.device, device.precision);
    }
}
