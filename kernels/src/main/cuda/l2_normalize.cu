// Each row divided by max(||row||_2, 1e-12); one warp per row, the square sum in double.
#include "common.cuh"

extern "C" __global__ void l2_normalize(float* y, const float* x, int rows, int cols) {
    int warps = blockDim.x >> 5;
    int r = blockIdx.x * warps + (threadIdx.x >> 5), lane = threadIdx.x & 31;
    if (r >= rows) return;
    const float* xr = x + (long long) r * cols;
    double ss = 0.0;
    for (int c = lane; c < cols; c += 32) ss += (double) xr[c] * xr[c];
    double norm = fmax(sqrt(warp_sum(ss)), 1e-12);
    float* yr = y + (long long) r * cols;
    for (int c = lane; c < cols; c += 32) yr[c] = (float) (xr[c] / norm);
}
