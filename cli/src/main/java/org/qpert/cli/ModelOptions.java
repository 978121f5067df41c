package org.qpert.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.qpert.core.backend.Backend;
import org.qpert.core.model.ModelConfig;
import org.qpert.core.model.blip2.Blip2Config;
import org.qpert.core.model.blip2.Blip2Retrieval;
import org.qpert.core.model.coca.CocaRetrieval;
import org.qpert.core.model.internvl.InternvlConfig;
import org.qpert.core.model.internvl.InternvlRetrieval;
import org.qpert.core.model.internvl.InternvlVariant;
import org.qpert.core.model.owlv2.Owlv2Config;
import org.qpert.core.model.owlv2.Owlv2Detector;
import org.qpert.family.coca.CocaFamily;
import org.qpert.family.internvl.InternvlFamily;
import org.qpert.loaders.config.Blip2ConfigReader;
import org.qpert.loaders.config.InternvlConfigReader;
import org.qpert.loaders.config.ModelConfigReader;
import org.qpert.loaders.config.Owlv2ConfigReader;
import org.qpert.loaders.safetensors.DType;
import org.qpert.loaders.safetensors.SafetensorsWeights;
import org.qpert.loaders.safetensors.TensorInfo;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options that pick a checkpoint and a device, shared by every command that runs the model. */
final class ModelOptions {
    @Mixin
    ModelOption model;

    @Option(names = "--weights", paramLabel = "FILE",
            description = "A safetensors file to load instead of the folder's default (relative to --model or absolute).")
    Path weights;

    @Mixin
    DeviceOptions deviceOptions;

    /** A loaded model and the dtype its float weights were stored in (F32 when mixed). */
    record Loaded(Blip2Retrieval model, DType storedAs) {
    }

    /** An OWLv2 detector and the dtype its float weights were stored in (F32 when mixed). */
    record LoadedDetector(Owlv2Detector detector, DType storedAs) {
    }

    /** A CoCa model and the dtype its float weights were stored in (F32 when mixed). */
    record LoadedCoca(CocaRetrieval model, DType storedAs) {
    }

    /** Both InternVL retrieval models of one checkpoint and the dtype its float weights were stored in. */
    record LoadedInternvl(InternvlRetrieval c, InternvlRetrieval g, DType storedAs) {
    }

    /** Whether --model is an InternVL folder ({@code model_type} {@code internvl}). */
    boolean isInternvl() throws IOException {
        return new InternvlFamily().recognises(model.dir());
    }

    /** InternVL-C and InternVL-G from the same weights, whatever variant the folder names (parity checks both). */
    LoadedInternvl loadInternvl() throws IOException {
        InternvlConfig cfg = InternvlConfigReader.read(model.dir());
        Backend backend = deviceOptions.open();
        try (SafetensorsWeights w = SafetensorsWeights.open(weightsSource())) {
            return new LoadedInternvl(InternvlRetrieval.load(cfg, InternvlVariant.C, w, backend),
                    InternvlRetrieval.load(cfg, InternvlVariant.G, w, backend), storedDtype(w));
        }
    }

    /** Whether --model is an open_clip CoCa folder (open_clip_config.json, or open_clip weights without config.json). */
    boolean isCoca() throws IOException {
        return new CocaFamily().recognises(model.dir());
    }

    LoadedCoca loadCoca() throws IOException {
        Path dir = model.dir();
        Backend backend = deviceOptions.open();
        Path file = weights == null ? CocaFamily.requireWeights(dir) : dir.resolve(weights);
        try (SafetensorsWeights w = SafetensorsWeights.open(file)) {
            return new LoadedCoca(CocaFamily.retrieval(CocaFamily.config(dir), w, backend), storedDtype(w));
        }
    }

    Loaded load() throws IOException {
        Blip2Config cfg = Blip2ConfigReader.read(model.dir());
        Backend backend = deviceOptions.open();
        try (SafetensorsWeights w = SafetensorsWeights.open(weightsSource())) {
            return new Loaded(Blip2Retrieval.load(cfg, w, backend), storedDtype(w));
        }
    }

    /** The checkpoint's config, of whichever family its {@code model_type} names. */
    ModelConfig config() throws IOException {
        return ModelConfigReader.read(model.dir());
    }

    LoadedDetector loadDetector() throws IOException {
        Owlv2Config cfg = Owlv2ConfigReader.read(model.dir());
        Backend backend = deviceOptions.open();
        try (SafetensorsWeights w = SafetensorsWeights.open(weightsSource())) {
            return new LoadedDetector(Owlv2Detector.load(cfg, w, backend), storedDtype(w));
        }
    }

    private Path weightsSource() throws IOException {
        return weights == null ? model.dir() : model.dir().resolve(weights);
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
