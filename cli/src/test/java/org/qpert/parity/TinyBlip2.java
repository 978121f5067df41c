package org.qpert.parity;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.qpert.cli.ActivationsFile;
import org.qpert.core.backend.Backend;
import org.qpert.core.model.blip2.Blip2Config;
import org.qpert.core.model.blip2.Blip2Retrieval;
import org.qpert.loaders.config.Blip2ConfigReader;
import org.qpert.loaders.safetensors.SafetensorsWeights;

/** The tiny random BLIP-2 fixture exported from PyTorch (testdata/parity/tiny-blip2). */
public final class TinyBlip2 {
    public static final Path DIR = Path.of("../testdata/parity/tiny-blip2");

    private TinyBlip2() {
    }

    public static Blip2Retrieval load(String weightsFile, Backend backend) {
        try (SafetensorsWeights w = SafetensorsWeights.open(DIR.resolve(weightsFile))) {
            Blip2Config cfg = Blip2ConfigReader.read(DIR);
            return Blip2Retrieval.load(cfg, w, backend);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ActivationsFile activations() {
        try {
            return ActivationsFile.read(DIR.resolve("activations.safetensors"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
