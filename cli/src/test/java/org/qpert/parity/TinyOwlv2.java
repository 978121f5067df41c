package org.qpert.parity;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.qpert.cli.ActivationsFile;
import org.qpert.core.backend.Backend;
import org.qpert.core.model.owlv2.Owlv2Detector;
import org.qpert.loaders.config.Owlv2ConfigReader;
import org.qpert.loaders.safetensors.SafetensorsWeights;

/** The tiny random OWLv2 detector exported from PyTorch (testdata/parity/tiny-owlv2). */
public final class TinyOwlv2 {
    public static final Path DIR = Path.of("../testdata/parity/tiny-owlv2");

    private TinyOwlv2() {
    }

    public static Owlv2Detector load(String weightsFile, Backend backend) {
        try (SafetensorsWeights w = SafetensorsWeights.open(DIR.resolve(weightsFile))) {
            return Owlv2Detector.load(Owlv2ConfigReader.read(DIR), w, backend);
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
