package org.qpert.kernels;

import java.util.Locale;
import org.qpert.core.backend.Backend;
import org.qpert.core.backend.BackendProvider;

/** Registers the JCuda backend as device {@code cuda} (device 0). */
public final class CudaBackendProvider implements BackendProvider {

    @Override
    public String device() {
        return "cuda";
    }

    @Override
    public Backend open(String precision) {
        Precision p;
        try {
            p = Precision.valueOf(precision.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("precision " + precision + " is not known (use f32, tf32 or bf16)");
        }
        return CudaBackend.open(CudaBackend.Options.defaults().withPrecision(p));
    }
}
