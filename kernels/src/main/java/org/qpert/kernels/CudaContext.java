package org.qpert.kernels;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import jcuda.CudaException;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.CUmodule;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

/**
 * Device 0's primary context, one stream, and our kernels loaded from the PTX resources through the driver API.
 * Every call from a new thread first makes the context current ({@link #enter}). In debug mode each launch is
 * followed by a stream synchronization so that a failing kernel is named by the launch that failed.
 */
final class CudaContext implements Launcher {
    static final String PTX_ROOT = "/org/qpert/kernels/ptx/";
    /** The PTX ISA build-ptx.sh declares: that of CUDA 12.0, so every CUDA 12.x driver JIT-compiles our kernels. */
    static final String PTX_ISA = "8.0";
    /** The one target the PTX is built for; the driver JIT-compiles it for the device (sm_86, sm_89, sm_90, …). */
    static final String PTX_TARGET = "sm_80";

    final CUdevice device = new CUdevice();
    final CUcontext context = new CUcontext();
    final CUstream stream = new CUstream();
    final int computeCapability;
    final int maxSharedOptIn;
    final int multiprocessors;
    final String deviceName;
    private final boolean debug;
    private final Map<String, CUmodule> modules = new HashMap<>();
    private final Map<String, CUfunction> functions = new HashMap<>();

    CudaContext(boolean debug) {
        this.debug = debug;
        JCudaDriver.setExceptionsEnabled(true);
        JCudaDriver.cuInit(0);
        JCudaDriver.cuDeviceGet(device, 0);
        JCudaDriver.cuDevicePrimaryCtxRetain(context, device);
        JCudaDriver.cuCtxSetCurrent(context);
        JCudaDriver.cuStreamCreate(stream, 0);
        computeCapability = CudaAvailability.computeCapability(device);
        deviceName = CudaAvailability.deviceName(device);
        maxSharedOptIn = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN);
        multiprocessors = attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
    }

    int attribute(int attr) {
        int[] v = {0};
        JCudaDriver.cuDeviceGetAttribute(v, attr, device);
        return v[0];
    }

    /** Makes the context current on the calling thread (cheap; needed once per thread, done per call). */
    void enter() {
        JCudaDriver.cuCtxSetCurrent(context);
    }

    /** Kernel {@code name} from module (the .cu file) {@code module}, loading the module's PTX on first use. */
    synchronized CUfunction function(String module, String name) {
        String key = module + "/" + name;
        CUfunction f = functions.get(key);
        if (f == null) {
            CUmodule m = modules.computeIfAbsent(module, this::load);
            f = new CUfunction();
            JCudaDriver.cuModuleGetFunction(f, m, name);
            functions.put(key, f);
        }
        return f;
    }

    private CUmodule load(String module) {
        String resource = PTX_ROOT + module + ".ptx";
        String ptx = readResource(resource);
        CUmodule m = new CUmodule();
        try {
            JCudaDriver.cuModuleLoadData(m, ptx);
        } catch (CudaException e) {
            int[] driver = {0};
            JCudaDriver.cuDriverGetVersion(driver);
            throw new IllegalStateException("loading " + resource + " failed (" + e.getMessage() + "); the PTX declares "
                    + "ISA " + PTX_ISA + " and needs a driver for CUDA 12.0 or newer, this driver supports CUDA "
                    + driver[0] / 1000 + "." + driver[0] % 1000 / 10, e);
        }
        return m;
    }

    static String readResource(String resource) {
        try (InputStream in = CudaContext.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("PTX resource " + resource + " is missing from the kernels jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalStateException("reading PTX resource " + resource + " failed", e);
        }
    }

    /**
     * Queues {@code module/entry} on the stream. A launch asking for more than the default 48 KiB of dynamic shared
     * memory first raises the kernel's limit (checked against the device's opt-in maximum).
     */
    @Override
    public void launch(String module, String entry, Launcher.Grid g, KernelArgs args) {
        if (g.x() == 0 || g.y() == 0) {
            return;  // nothing to do for empty inputs
        }
        CUfunction f = function(module, entry);
        if (g.sharedBytes() > 48 * 1024) {
            allowSharedMemory(f, entry, g.sharedBytes());
        }
        try {
            JCudaDriver.cuLaunchKernel(f, g.x(), g.y(), 1, g.block(), 1, 1, g.sharedBytes(), stream, args.kernelParams(),
                    null);
            if (debug) {
                JCudaDriver.cuStreamSynchronize(stream);
            }
        } catch (CudaException e) {
            throw new IllegalStateException("kernel " + entry + " (grid " + g.x() + "x" + g.y() + ", block " + g.block()
                    + ", shared " + g.sharedBytes() + " B) failed: " + e.getMessage(), e);
        }
    }

    private final Map<CUfunction, Integer> sharedAllowed = new HashMap<>();

    private synchronized void allowSharedMemory(CUfunction f, String name, int bytes) {
        if (bytes > maxSharedOptIn) {
            throw new IllegalArgumentException(name + " needs " + bytes + " bytes of shared memory; " + deviceName
                    + " allows " + maxSharedOptIn);
        }
        if (sharedAllowed.getOrDefault(f, 0) < bytes) {
            JCudaDriver.cuFuncSetAttribute(f, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes);
            sharedAllowed.put(f, bytes);
        }
    }

    void synchronize() {
        JCudaDriver.cuStreamSynchronize(stream);
    }

    void close() {
        enter();
        JCudaDriver.cuStreamSynchronize(stream);
        for (CUmodule m : modules.values()) {
            JCudaDriver.cuModuleUnload(m);
        }
        modules.clear();
        functions.clear();
        JCudaDriver.cuStreamDestroy(stream);
        JCudaDriver.cuDevicePrimaryCtxRelease(device);
    }
}
