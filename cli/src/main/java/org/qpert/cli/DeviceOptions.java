package org.qpert.cli;

import org.qpert.core.backend.Backend;
import org.qpert.core.backend.BackendProvider;
import picocli.CommandLine.Option;

/** {@code --device} and {@code --precision}: the one option that picks the backend. */
final class DeviceOptions {
    @Option(names = "--device", defaultValue = "cpu", paramLabel = "NAME",
            description = "Backend: cpu (default) or cuda.")
    String device;

    @Option(names = "--precision", defaultValue = "f32", paramLabel = "P",
            description = "Matrix products on cuda: f32 (default), tf32 or bf16.")
    String precision;

    Backend open() {
        return BackendProvider.open(device, precision);
    }
}
