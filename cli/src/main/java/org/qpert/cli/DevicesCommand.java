package org.qpert.cli;

import java.util.concurrent.Callable;

import org.qpert.core.backend.Backend;
import org.qpert.kernels.CudaAvailability;
import org.qpert.kernels.CudaBackend;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code qpert devices}: whether CUDA is usable here and why not; with --device, opens that backend and says how. */
@Command(name = "devices", description = "Show the compute devices qpert can use (and open the one --device names).")
final class DevicesCommand implements Callable<Integer> {
    @Mixin
    BackendOptions backend;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        out.println("cpu: available (" + Runtime.getRuntime().availableProcessors() + " processors)");
        CudaAvailability cuda = CudaAvailability.probe();
        out.println("cuda: " + (cuda.available() ? "available, " : "unavailable: ") + cuda.reason());
        if (backend.device == BackendOptions.Device.CUDA) {
            try (Backend b = backend.open()) {
                out.println("opened " + b.name() + ": " + ((CudaBackend) b).paths());
            }
        }
        return 0;
    }
}
