// float32 or float16 -> bfloat16 with round-to-nearest-even (PyTorch's cast): weights stored once as bfloat16 in BF16
// mode, and activations handed to cuBLAS's BF16 GEMM.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

extern "C" __global__ void f32_to_bf16(__nv_bfloat16* y, const float* x, long long n) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x)
        y[i] = __float2bfloat16_rn(x[i]);
}

// float16 -> float32 is exact, so this is the one rounding of the float16 value.
extern "C" __global__ void f16_to_bf16(__nv_bfloat16* y, const __half* x, long long n) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x)
        y[i] = __float2bfloat16_rn(__half2float(x[i]));
}
