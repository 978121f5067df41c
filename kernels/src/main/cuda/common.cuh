// Shared helpers for qpert's kernels. Every kernel is extern "C" so the JCuda backend finds it by its plain name.
#pragma once

#define QP_FULL_MASK 0xffffffffu

__device__ __forceinline__ float warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(QP_FULL_MASK, v, o);
    return v;
}

__device__ __forceinline__ double warp_sum(double v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(QP_FULL_MASK, v, o);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(QP_FULL_MASK, v, o));
    return v;
}

// Sum over the whole block; `scratch` holds one double per warp. Every thread gets the result.
__device__ __forceinline__ double block_sum(double v, double* scratch) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    v = warp_sum(v);
    __syncthreads();  // scratch may still be read from a previous call
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    double total = 0.0;
    for (int w = 0; w < warps; w++) total += scratch[w];
    return total;
}

// Exact erf GELU in double, the same function as the CPU reference (the tanh form differs by up to 1e-3).
__device__ __forceinline__ float gelu_exact(float x) {
    double xd = (double) x;
    return (float) (0.5 * xd * (1.0 + erf(xd * 0.70710678118654752440)));
}
