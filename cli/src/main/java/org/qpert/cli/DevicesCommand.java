package org.qpert.cli;

import java.util.concurrent.Callable;

import org.qpert.core.backend.Backend;
import org.qpert.core.backend.BackendProvider;
import org.qpert.kernels.CudaAvailability;
import org.qpert.kernels.CudaBackend;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code qpert devices}: whether CUDA is usable here and why not; with --device, opens that backend and says how. */
@Command(name = "devices", mixinStandardHelpOptions = true, description = "Show the compute devices qpert can use (and open the one --device names).")
final class DevicesCommand implements Callable<Integer> {
    @Option(names = "--device", paramLabel = "NAME", description = "Also open this backend: cpu or cuda.")
    String device;

    @Option(names = "--precision", defaultValue = "f32", paramLabel = "P",
            description = "Matrix products on cuda: f32 (default), tf32 or bf16.")
    String precision;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        out.println("cpu: available (" + Runtime.getRuntime().availableProcessors() + " processors)");
        CudaAvailability cuda = CudaAvailability.probe();
        out.println("cuda: " + (cuda.available() ? "available, " : "unavailable: ") + cuda.reason());
        if (device != null) {
            try (Backend b = BackendProvider.open(device, precision)) {
                out.println("opened " + b.name() + (b instanceof CudaBackend c ? ": " + c.paths() : ""));
            }
        }
        return 0;
    }
}
