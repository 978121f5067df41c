// float32 -> bfloat16 with round-to-nearest-even (PyTorch's cast), for weights in BF16 mode and for activations
// handed to cuBLAS's BF16 GEMM.
#include <cuda_bf16.h>

extern "C" __global__ void f32_to_bf16(__nv_bfloat16* y, const float* x, long long n) {
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x)
        y[i] = __float2bfloat16_rn(x[i]);
}
