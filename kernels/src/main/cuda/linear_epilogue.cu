// y = act(x + bias) + residual, element-wise over a [rows, cols] matrix; bias [cols] and residual [rows, cols] may be
// null, act is the exact GELU when `gelu` != 0. The same kernel serves add, addRow, bias after cuBLAS, bias + GELU
// and the residual add of a linear layer; y may alias x.
#include "common.cuh"

extern "C" __global__ void linear_epilogue(float* y, const float* x, const float* bias, const float* residual,
                                           int rows, int cols, int gelu) {
    long long n = (long long) rows * cols;
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x) {
        float v = x[i];
        if (bias != nullptr) v += bias[i % cols];
        if (gelu) v = gelu_exact(v);
        if (residual != nullptr) v += residual[i];
        y[i] = v;
    }
}
