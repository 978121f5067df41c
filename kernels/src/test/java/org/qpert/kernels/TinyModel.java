package org.qpert.kernels;

import java.io.IOException;
import java.nio.file.Path;
import java.util.OptionalInt;

import org.qpert.core.backend.Backend;
import org.qpert.core.model.Blip2Config;
import org.qpert.core.model.Blip2Retrieval;
import org.qpert.core.model.QFormerConfig;
import org.qpert.core.model.VisionConfig;

/** The tiny random BLIP-2 of the parity fixtures (testdata/parity/tiny-blip2, sizes from its config.json + defaults). */
final class TinyModel {
    static final Path DIR = Path.of("../testdata/parity/tiny-blip2");
    static final Blip2Config CONFIG = new Blip2Config(
            new VisionConfig(64, 2, 4, 128, 56, 14, 1e-6, true, "gelu"),
            new QFormerConfig(100, 32, 4, 4, 64, 40, 1e-12, 0, 2, 64, true, "gelu"),
            8, 24, OptionalInt.empty());

    private TinyModel() {
    }

    static Blip2Retrieval load(Backend backend) throws IOException {
        return Blip2Retrieval.load(CONFIG, new SafetensorsFile(DIR.resolve("model.safetensors")), backend);
    }
}
