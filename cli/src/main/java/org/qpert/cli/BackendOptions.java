package org.qpert.cli;

import java.util.Locale;

import org.qpert.core.backend.Backend;
import org.qpert.core.backend.CpuBackend;
import org.qpert.kernels.CudaBackend;
import org.qpert.kernels.Precision;
import picocli.CommandLine.Option;

/** {@code --device cpu|cuda} and the GPU settings, shared by every subcommand that computes (a picocli mixin). */
public final class BackendOptions {
    public enum Device { CPU, CUDA }

    @Option(names = "--device", defaultValue = "cpu", converter = DeviceConverter.class,
            description = "cpu or cuda (default: ${DEFAULT-VALUE})")
    Device device;

    @Option(names = "--precision", defaultValue = "f32", converter = PrecisionConverter.class,
            description = "GPU matrix products: f32, tf32 or bf16 (default: ${DEFAULT-VALUE})")
    Precision precision;

    @Option(names = "--cuda-debug", description = "check every CUDA kernel launch (slow)")
    boolean debug;

    /** Opens the chosen backend; for cuda, fails with the reason when no usable GPU is here. */
    public Backend open() {
        return switch (device) {
            case CPU -> new CpuBackend();
            case CUDA -> CudaBackend.open(new CudaBackend.Options(precision, debug, true));
        };
    }

    static final class DeviceConverter implements picocli.CommandLine.ITypeConverter<Device> {
        @Override
        public Device convert(String value) {
            try {
                return Device.valueOf(value.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not cpu or cuda");
            }
        }
    }

    static final class PrecisionConverter implements picocli.CommandLine.ITypeConverter<Precision> {
        @Override
        public Precision convert(String value) {
            try {
                return Precision.valueOf(value.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not f32, tf32 or bf16");
            }
        }
    }
}
