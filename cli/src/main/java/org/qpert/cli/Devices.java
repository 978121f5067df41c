package org.qpert.cli;

import java.util.Locale;

import org.qpert.core.backend.Backend;
import org.qpert.core.backend.CpuBackend;
import org.qpert.kernels.CudaBackend;
import org.qpert.kernels.Precision;

/** Maps the {@code --device} option to a backend. The choice of backend is this one option, never a model code path. */
final class Devices {
    private Devices() {
    }

    static Backend open(String device) {
        return open(device, "f32");
    }

    /**
     * cpu, or cuda (device 0) with its matrix products in f32, tf32 or bf16; for cuda without a usable GPU the error
     * says why (e.g. "no CUDA driver: libcuda.so.1 not found").
     */
    static Backend open(String device, String precision) {
        return switch (device) {
            case "cpu" -> new CpuBackend();
            case "cuda" -> CudaBackend.open(CudaBackend.Options.defaults().withPrecision(precision(precision)));
            default -> throw new IllegalArgumentException("--device " + device + " is not known (use cpu or cuda)");
        };
    }

    private static Precision precision(String name) {
        try {
            return Precision.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--precision " + name + " is not known (use f32, tf32 or bf16)");
        }
    }
}
