package org.qpert.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.qpert.core.backend.Backend;
import org.qpert.core.model.Blip2Config;
import org.qpert.core.model.Blip2Retrieval;
import org.qpert.loaders.config.Blip2ConfigReader;
import org.qpert.loaders.safetensors.DType;
import org.qpert.loaders.safetensors.SafetensorsWeights;
import org.qpert.loaders.safetensors.TensorInfo;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options that pick a checkpoint and a device, shared by every command that runs the model. */
final class ModelOptions {
    @Option(names = "--model", required = true, paramLabel = "DIR|ORG/NAME[@REV]",
            description = "Checkpoint folder (config.json and model.safetensors or model.safetensors.index.json), or "
                    + "a Hugging Face Hub id fetched into the Hub cache.")
    Path model;

    @Option(names = "--weights", paramLabel = "FILE",
            description = "A safetensors file to load instead of the folder's default (relative to --model or absolute).")
    Path weights;

    @Mixin
    DeviceOptions deviceOptions;

    /** A loaded model and the dtype its float weights were stored in (F32 when mixed). */
    record Loaded(Blip2Retrieval model, DType storedAs) {
    }

    Loaded load() throws IOException {
        Path dir = Models.requireModelDir(model);
        Blip2Config cfg = Blip2ConfigReader.read(dir);
        Path source = weights == null ? dir : dir.resolve(weights);
        Backend backend = deviceOptions.open();
        try (SafetensorsWeights w = SafetensorsWeights.open(source)) {
            return new Loaded(Blip2Retrieval.load(cfg, w, backend), storedDtype(w));
        }
    }

    private static DType storedDtype(SafetensorsWeights w) {
        DType seen = null;
        for (TensorInfo t : w.tensors()) {
            if (t.dtype() == DType.F32 || t.dtype() == DType.F16 || t.dtype() == DType.BF16) {
                if (seen != null && seen != t.dtype()) {
                    return DType.F32;
                }
                seen = t.dtype();
            }
        }
        return seen == null ? DType.F32 : seen;
    }
}
