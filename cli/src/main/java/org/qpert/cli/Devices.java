package org.qpert.cli;

import org.qpert.core.backend.Backend;
import org.qpert.core.backend.CpuBackend;

/** Maps the {@code --device} option to a backend. The choice of backend is this one option, never a model code path. */
final class Devices {
    private Devices() {
    }

    static Backend open(String device) {
        return switch (device) {
            case "cpu" -> new CpuBackend();
            default -> throw new IllegalArgumentException("--device " + device + " is not known (use cpu)");
        };
    }
}
