package org.qpert.parity;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.qpert.core.backend.Backend;
import org.qpert.core.model.coca.CocaRetrieval;
import org.qpert.loaders.config.OpenClipConfigReader;
import org.qpert.loaders.safetensors.SafetensorsWeights;

/** The tiny random open_clip CoCa exported from PyTorch (testdata/parity/tiny-coca). */
public final class TinyCoca {
    public static final Path DIR = Path.of("../testdata/parity/tiny-coca");

    private TinyCoca() {
    }

    public static CocaRetrieval load(String weightsFile, Backend backend) {
        try (SafetensorsWeights w = SafetensorsWeights.open(DIR.resolve(weightsFile))) {
            return CocaRetrieval.load(OpenClipConfigReader.read(DIR), w, backend);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
