// y = LayerNorm(x + residual) per row (biased variance), optionally also storing the sum x + residual (the pre-LN
// residual stream needs both). One block per row; the row is kept in shared memory and the statistics are summed in
// double, like the CPU reference. residual and sum_out may be null.
#include "common.cuh"

extern "C" __global__ void add_layernorm(float* sum_out, float* y, const float* x, const float* residual,
                                         const float* gamma, const float* beta, int rows, int cols, float eps) {
    extern __shared__ float row[];
    __shared__ double scratch[32];
    int r = blockIdx.x;
    if (r >= rows) return;
    const float* xr = x + (long long) r * cols;
    const float* rr = residual == nullptr ? nullptr : residual + (long long) r * cols;
    double s = 0.0;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        float v = xr[c];
        if (rr != nullptr) v += rr[c];
        row[c] = v;
        s += v;
    }
    double mean = block_sum(s, scratch) / cols;
    double q = 0.0;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        double d = row[c] - mean;
        q += d * d;
    }
    double var = block_sum(q, scratch) / cols;
    double inv = 1.0 / sqrt(var + (double) eps);
    float* yr = y + (long long) r * cols;
    float* sr = sum_out == nullptr ? nullptr : sum_out + (long long) r * cols;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) {
        float v = row[c];
        if (sr != nullptr) sr[c] = v;
        yr[c] = (float) ((v - mean) * inv) * gamma[c] + beta[c];
    }
}
