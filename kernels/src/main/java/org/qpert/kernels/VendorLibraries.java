package org.qpert.kernels;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import jcuda.JCudaVersion;
import jcuda.jcublas.JCublas2;
import jcuda.jcusolver.JCusolver;

/**
 * Whether JCublas2 and JCusolver load here, and why not. Their natives need the toolkit's shared libraries
 * ({@code libcublas.so.12}; {@code libcusolver.so.11} + {@code libcusolverMg.so.11}, i.e. CUDA 12), which a
 * CUDA-13-only machine lacks; the backend then runs its own kernels.
 *
 * <p>JCusolver 11.7.0 is the newest on Maven Central, and its loader asks for a native named after the core JCuda jar's
 * version ({@code libJCusolver-12.6.0-linux-x86_64.so}), which no jar contains. JCuda's loader takes an already
 * extracted file of that name from {@code java.io.tmpdir} as is, so we extract the 11.7.0 native there under the
 * expected name first: its JNI entry points match the 11.7.0 Java classes we compile against.
 */
final class VendorLibraries {
    private static final String CUSOLVER_NATIVE = "/lib/libJCusolver-11.7.0-linux-x86_64.so";

    private VendorLibraries() {
    }

    // Probed once per JVM: a class whose native failed to load in its static initializer cannot be retried.
    private static final class Cublas {
        static final String PROBLEM = probeCublas();
    }

    private static final class Cusolver {
        static final String PROBLEM = probeCusolver();
    }

    /** Null when JCublas2 loaded, else the reason it did not. */
    static String cublasProblem() {
        return Cublas.PROBLEM;
    }

    /** Null when JCusolver loaded, else the reason it did not. */
    static String cusolverProblem() {
        return Cusolver.PROBLEM;
    }

    private static String probeCublas() {
        try {
            JCublas2.initialize();
            JCublas2.setExceptionsEnabled(true);
            return null;
        } catch (Throwable t) {
            return loadReason(t, "cuBLAS");
        }
    }

    private static String probeCusolver() {
        if (!"Linux".equals(System.getProperty("os.name")) || !"amd64".equals(System.getProperty("os.arch"))) {
            return "cuSOLVER: the JCusolver 11.7.0 native is used on linux-x86_64 only";
        }
        try {
            stageCusolverNative();
        } catch (IOException e) {
            return "cuSOLVER: could not stage the JCusolver native in java.io.tmpdir: " + e.getMessage();
        }
        try {
            JCusolver.initialize();
            JCusolver.setExceptionsEnabled(true);
            return null;
        } catch (Throwable t) {
            return loadReason(t, "cuSOLVER");
        }
    }

    private static void stageCusolverNative() throws IOException {
        Path target = Path.of(System.getProperty("java.io.tmpdir"),
                "libJCusolver-" + JCudaVersion.get() + "-linux-x86_64.so");
        if (Files.exists(target)) {
            return;
        }
        try (InputStream in = VendorLibraries.class.getResourceAsStream(CUSOLVER_NATIVE)) {
            if (in == null) {
                throw new IOException(CUSOLVER_NATIVE + " is not on the class path (jcusolver-natives missing)");
            }
            Path tmp = Files.createTempFile(target.getParent(), "jcusolver", ".so");
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException raced) {
                Files.deleteIfExists(tmp);  // another JVM staged it first
                if (!Files.exists(target)) {
                    throw raced;
                }
            }
        }
    }

    private static String loadReason(Throwable t, String library) {
        String missing = CudaAvailability.missingSharedLibrary(t);
        return library + ": " + (missing != null ? missing + " not found" : CudaAvailability.firstLine(t));
    }
}
