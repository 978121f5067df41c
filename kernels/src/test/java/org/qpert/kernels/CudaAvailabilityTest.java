package org.qpert.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Runs everywhere: the probe must answer, without throwing, whether a GPU is usable and why not. */
class CudaAvailabilityTest {

    @Test
    void probeGivesAReason() {
        CudaAvailability a = CudaAvailability.probe();
        System.out.println("CUDA probe: available=" + a.available() + " (" + a.reason() + ")");
        assertFalse(a.reason().isBlank());
        assertTrue(a == CudaAvailability.probe(), "probed once per JVM");
    }

    @Test
    void openingWithoutAGpuFailsWithTheProbeReason() {
        CudaAvailability a = CudaAvailability.probe();
        if (a.available()) {
            try (CudaBackend b = CudaBackend.open(CudaBackend.Options.defaults())) {
                assertEquals("cuda:0", b.name());
                assertFalse(b.paths().isBlank());
            }
        } else {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> CudaBackend.open(CudaBackend.Options.defaults()));
            assertTrue(e.getMessage().contains(a.reason()), e.getMessage());
        }
    }

    @Test
    void missingDriverIsNamedFromJCudasNestedError() {
        UnsatisfiedLinkError nested = new UnsatisfiedLinkError("Error while loading native library \"JCudaDriver-12.6.0"
                + "-linux-x86_64\"\n---(start of nested stack traces)---\n/tmp/libJCudaDriver-12.6.0-linux-x86_64.so: "
                + "libcuda.so.1: cannot open shared object file: No such file or directory");
        assertEquals("no CUDA driver: libcuda.so.1 not found", CudaAvailability.nativeLoadReason(nested));
        assertEquals("JCuda driver native did not load: UnsatisfiedLinkError: other",
                CudaAvailability.nativeLoadReason(new UnsatisfiedLinkError("other\nmore")));
        assertEquals("libcusparse.so.12", CudaAvailability.missingSharedLibrary(new UnsatisfiedLinkError(
                "/tmp/libJCusolver-12.6.0-linux-x86_64.so: libcusparse.so.12: cannot open shared object file: No such")));
    }
}
