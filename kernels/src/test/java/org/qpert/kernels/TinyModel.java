package org.qpert.kernels;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;

import org.qpert.core.backend.Backend;
import org.qpert.core.model.blip2.Blip2Config;
import org.qpert.core.model.blip2.Blip2Retrieval;
import org.qpert.loaders.config.Blip2ConfigReader;
import org.qpert.loaders.safetensors.SafetensorsWeights;

/** The tiny random BLIP-2 of the parity fixtures (testdata/parity/tiny-blip2). */
final class TinyModel {
    static final Path DIR = Path.of("../testdata/parity/tiny-blip2");
    static final Blip2Config CONFIG = config();

    private TinyModel() {
    }

    private static Blip2Config config() {
        try {
            return Blip2ConfigReader.read(DIR);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Blip2Retrieval load(Backend backend) throws IOException {
        try (SafetensorsWeights w = SafetensorsWeights.open(DIR.resolve("model.safetensors"))) {
            return Blip2Retrieval.load(CONFIG, w, backend);
        }
    }

    /** An I64 fixture tensor (ids, masks, sizes) as ints. */
    static int[] ints(SafetensorsWeights w, String name) {
        return Arrays.stream(w.readLongs(name)).mapToInt(Math::toIntExact).toArray();
    }

    /** A fixture file's tensors (closed by the caller). */
    static SafetensorsWeights fixture(Path file) throws IOException {
        return SafetensorsWeights.open(file);
    }
}
