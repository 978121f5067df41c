package org.qpert.kernels;

import java.util.ArrayList;
import java.util.List;

import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/**
 * The parameter list of one launch, built by a typed {@link Kernels} method: each value with the PTX type it fills
 * ({@code .u64} pointer or 64-bit integer, {@code .u32}, {@code .f32}, {@code .f64}). The types are what the PTX
 * signature test compares with the {@code .entry}'s {@code .param} list.
 */
final class KernelArgs {
    private final List<NativePointerObject> values = new ArrayList<>();
    private final List<String> ptxTypes = new ArrayList<>();

    /** A device pointer; null passes a null pointer (an optional input the kernel skips). */
    KernelArgs ptr(CUdeviceptr p) {
        return add(".u64", Pointer.to(p == null ? new CUdeviceptr() : p));
    }

    KernelArgs i32(int v) {
        return add(".u32", Pointer.to(new int[] {v}));
    }

    KernelArgs i64(long v) {
        return add(".u64", Pointer.to(new long[] {v}));
    }

    KernelArgs f32(float v) {
        return add(".f32", Pointer.to(new float[] {v}));
    }

    private KernelArgs add(String type, NativePointerObject value) {
        values.add(value);
        ptxTypes.add(type);
        return this;
    }

    /** The PTX parameter types in order, e.g. [.u64, .u64, .u32, .f32]. */
    List<String> ptxTypes() {
        return List.copyOf(ptxTypes);
    }

    /** The kernelParams pointer cuLaunchKernel takes: a pointer to the pointers to each value. */
    Pointer kernelParams() {
        return Pointer.to(values.toArray(NativePointerObject[]::new));
    }
}
