package org.qpert.core.backend.cpu;

/** Run in a JVM without the Vector API module by {@link ScalarFallbackWarningTest}: picks kernels three times. */
public final class ScalarFallbackProbe {
    private ScalarFallbackProbe() {
    }

    public static void main(String[] args) {
        for (int i = 0; i < 3; i++) {
            System.out.println("kernels: " + Kernels.best().describe());
        }
    }
}
