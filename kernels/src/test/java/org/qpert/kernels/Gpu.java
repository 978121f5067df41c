package org.qpert.kernels;

import java.util.Random;

import org.junit.jupiter.api.Assumptions;

/** Shared pieces of the GPU tests: skipping with the probe's reason, random data, the error measure. */
final class Gpu {
    private Gpu() {
    }

    /** Skips the calling test, visibly, when this machine has no usable GPU (the reason names what is missing). */
    static void assumeAvailable() {
        CudaAvailability a = CudaAvailability.probe();
        if (!a.available() && !announced) {
            announced = true;  // once in the build log; each skipped test also carries the reason in its report
            System.out.println("GPU tests skip on this machine: " + a.reason());
        }
        Assumptions.assumeTrue(a.available(), () -> "GPU test skipped: " + a.reason());
    }

    private static volatile boolean announced;

    /** Relative error bound of one matrix product against float32 on the CPU: the figures {@link Precision} states. */
    static double gemmTolerance(Precision p) {
        return switch (p) {
            case F32 -> 1e-5;
            case TF32 -> 5e-3;
            case BF16 -> 2e-2;
        };
    }

    static CudaBackend open(Precision precision, boolean vendorLibraries) {
        assumeAvailable();
        return CudaBackend.open(new CudaBackend.Options(precision, true, vendorLibraries));
    }

    static float[] random(Random rnd, int n, double scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (rnd.nextGaussian() * scale);
        }
        return x;
    }

    /** max |got − want| / max |want|: the error measure every bound in these tests refers to. */
    static double relativeError(float[] got, float[] want) {
        if (got.length != want.length) {
            throw new AssertionError("lengths differ: " + got.length + " vs " + want.length);
        }
        double maxDiff = 0, maxRef = 0;
        for (int i = 0; i < got.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs((double) got[i] - want[i]));
            maxRef = Math.max(maxRef, Math.abs(want[i]));
        }
        return maxRef == 0 ? maxDiff : maxDiff / maxRef;
    }

    static double relativeError(double[] got, double[] want) {
        double maxDiff = 0, maxRef = 0;
        for (int i = 0; i < got.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
            maxRef = Math.max(maxRef, Math.abs(want[i]));
        }
        return maxRef == 0 ? maxDiff : maxDiff / maxRef;
    }

    /** Prints the measured error (the build log keeps it) and fails above the bound. */
    static void check(String what, double error, double bound) {
        System.out.printf("%-60s relative error %.3e (bound %.0e)%n", what, error, bound);
        if (!(error <= bound)) {
            throw new AssertionError(what + ": relative error " + error + " exceeds " + bound);
        }
    }
}
