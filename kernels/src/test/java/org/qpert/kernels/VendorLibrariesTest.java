package org.qpert.kernels;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import jcuda.JCudaVersion;
import org.junit.jupiter.api.Test;

/** Runs everywhere: cuBLAS/cuSOLVER either load or say why, and the JCusolver native is staged under JCuda's name. */
class VendorLibrariesTest {

    @Test
    void cublasLoadsOrSaysWhy() {
        String problem = VendorLibraries.cublasProblem();
        System.out.println("cuBLAS: " + (problem == null ? "loaded" : problem));
        assertTrue(problem == null || problem.startsWith("cuBLAS: "), problem);
    }

    @Test
    void cusolverNativeIsStagedAndLoadsOrSaysWhy() {
        String problem = VendorLibraries.cusolverProblem();
        System.out.println("cuSOLVER: " + (problem == null ? "loaded" : problem));
        assertTrue(problem == null || problem.startsWith("cuSOLVER: "), problem);
        if ("Linux".equals(System.getProperty("os.name")) && "amd64".equals(System.getProperty("os.arch"))) {
            Path staged = Path.of(System.getProperty("java.io.tmpdir"),
                    "libJCusolver-" + JCudaVersion.get() + "-linux-x86_64.so");
            assertTrue(Files.isRegularFile(staged), staged + " was not staged");
            // what stops it now must be a missing CUDA library, not the JCuda naming mismatch
            assertTrue(problem == null || problem.matches("cuSOLVER: lib\\S+\\.so\\S* not found"), problem);
        }
    }
}
