package org.qpert.kernels;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jcuda.CudaException;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.JCudaDriver;

/**
 * Whether this machine can run the CUDA backend, and if not, why — in one line fit for a log or a skipped test
 * ("no CUDA driver: libcuda.so.1 not found"). Probing never throws: a missing driver surfaces from JCuda as an
 * {@link UnsatisfiedLinkError} while its native loads, a missing device as a {@link CudaException} from cuInit.
 *
 * @param available whether device 0 can be used
 * @param reason    why not, or a description of the device when it can
 */
public record CudaAvailability(boolean available, String reason) {
    /** Our kernels use mma.sync on TF32/BF16 and are built for compute_80. */
    static final int MIN_COMPUTE_CAPABILITY = 80;

    private static volatile CudaAvailability cached;

    /** Probes once per JVM (loading the driver native is not repeatable). */
    public static CudaAvailability probe() {
        CudaAvailability c = cached;
        if (c == null) {
            synchronized (CudaAvailability.class) {
                if (cached == null) {
                    cached = probeNow();
                }
                c = cached;
            }
        }
        return c;
    }

    private static CudaAvailability probeNow() {
        try {
            JCudaDriver.setExceptionsEnabled(true);
        } catch (Throwable t) {
            return new CudaAvailability(false, nativeLoadReason(t));
        }
        try {
            JCudaDriver.cuInit(0);
            int[] count = {0};
            JCudaDriver.cuDeviceGetCount(count);
            if (count[0] == 0) {
                return new CudaAvailability(false, "no CUDA device: the driver reports none");
            }
            CUdevice dev = new CUdevice();
            JCudaDriver.cuDeviceGet(dev, 0);
            int cc = computeCapability(dev);
            String name = deviceName(dev);
            if (cc < MIN_COMPUTE_CAPABILITY) {
                return new CudaAvailability(false, name + " has compute capability " + cc / 10 + "." + cc % 10
                        + "; the kernels need 8.0 or newer");
            }
            int[] driver = {0};
            JCudaDriver.cuDriverGetVersion(driver);
            return new CudaAvailability(true, name + " (compute " + cc / 10 + "." + cc % 10 + ", driver CUDA "
                    + driver[0] / 1000 + "." + driver[0] % 1000 / 10 + ")");
        } catch (CudaException e) {
            return new CudaAvailability(false, "no usable CUDA device: " + e.getMessage());
        } catch (Throwable t) {
            return new CudaAvailability(false, "CUDA driver failed: " + firstLine(t));
        }
    }

    static int computeCapability(CUdevice dev) {
        int[] major = {0}, minor = {0};
        JCudaDriver.cuDeviceGetAttribute(major, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, dev);
        JCudaDriver.cuDeviceGetAttribute(minor, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, dev);
        return major[0] * 10 + minor[0];
    }

    static String deviceName(CUdevice dev) {
        byte[] name = new byte[256];
        JCudaDriver.cuDeviceGetName(name, name.length, dev);
        int n = 0;
        while (n < name.length && name[n] != 0) {
            n++;
        }
        return new String(name, 0, n, StandardCharsets.US_ASCII);
    }

    /** Turns JCuda's multi-page native-loading error into the one cause that matters. */
    static String nativeLoadReason(Throwable t) {
        String missing = missingSharedLibrary(t);
        if ("libcuda.so.1".equals(missing)) {
            return "no CUDA driver: libcuda.so.1 not found";
        }
        return "JCuda driver native did not load: " + (missing != null ? missing + " not found" : firstLine(t));
    }

    private static final Pattern CANNOT_OPEN =
            Pattern.compile("([\\w.+-]+\\.so[.\\d]*): cannot open shared object file");

    /** The shared library the dynamic loader could not find (e.g. libcublas.so.12), named in JCuda's error, or null. */
    static String missingSharedLibrary(Throwable t) {
        Matcher m = CANNOT_OPEN.matcher(fullText(t));
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        return last;
    }

    static String fullText(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c).append('\n');
        }
        return sb.toString();
    }

    static String firstLine(Throwable t) {
        String m = String.valueOf(t.getMessage());
        int nl = m.indexOf('\n');
        return t.getClass().getSimpleName() + ": " + (nl < 0 ? m : m.substring(0, nl));
    }
}
