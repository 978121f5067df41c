package org.qpert.core.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * Opens a backend by device name. The CPU backend is built in; others (the JCuda backend in {@code qpert-kernels})
 * register through {@link ServiceLoader}, so code that picks a device needs no compile-time dependency on them.
 */
public interface BackendProvider {

    /** The device name this provider answers to, e.g. {@code cuda}. */
    String device();

    /**
     * Opens the backend. {@code precision} names the arithmetic of matrix products (f32, tf32, bf16); a provider
     * refuses one it does not support with a message naming it. Throws IllegalStateException when the device cannot
     * be used here, saying why.
     */
    Backend open(String precision);

    /** {@code cpu} (f32 only) or any registered device. */
    static Backend open(String device, String precision) {
        String name = device.toLowerCase(Locale.ROOT);
        if (name.equals("cpu")) {
            if (!precision.equalsIgnoreCase("f32")) {
                throw new IllegalArgumentException("precision " + precision + " is not available on the cpu device (f32 only)");
            }
            return new CpuBackend();
        }
        List<String> known = new ArrayList<>(List.of("cpu"));
        for (BackendProvider p : ServiceLoader.load(BackendProvider.class)) {
            if (p.device().equals(name)) {
                return p.open(precision);
            }
            known.add(p.device());
        }
        throw new IllegalArgumentException("device " + device + " is not known (available: " + String.join(", ", known)
                + ")");
    }
}
