package org.qpert.parity;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.qpert.core.backend.Backend;
import org.qpert.core.model.internvl.InternvlRetrieval;
import org.qpert.core.model.internvl.InternvlVariant;
import org.qpert.loaders.config.InternvlConfigReader;
import org.qpert.loaders.safetensors.SafetensorsWeights;

/** The tiny random InternVL exported from PyTorch (testdata/parity/tiny-internvl). */
public final class TinyInternvl {
    public static final Path DIR = Path.of("../testdata/parity/tiny-internvl");

    private TinyInternvl() {
    }

    public static InternvlRetrieval load(String weightsFile, InternvlVariant variant, Backend backend) {
        try (SafetensorsWeights w = SafetensorsWeights.open(DIR.resolve(weightsFile))) {
            return InternvlRetrieval.load(InternvlConfigReader.read(DIR), variant, w, backend);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
