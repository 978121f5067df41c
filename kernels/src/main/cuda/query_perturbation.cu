// Q-Perturbation per head, x_h' = (I + Pbar_h) x_h (spec/QPERT.md section 6), summed in double like the CPU
// reference. One kernel serves both places it is applied, through strides: element (head h, component r, position j)
// lives at x[(h*d + r)*stride_r + j*stride_j].
//   queries q [rows, heads*d]:        stride_r = 1,    stride_j = heads*d, positions = rows
//   folded weight W'q [heads*d, in]:  stride_r = in,   stride_j = 1,       positions = in   (W'q = (I + Pbar) Wq)
//   folded bias b'q [1, heads*d]:     stride_r = 1,    stride_j = heads*d, positions = 1
// pbar [heads*d, d]: rows h*d .. h*d+d-1 hold Pbar_h. y must not alias x.
// grid (ceil(d*positions / blockDim), heads).
#include "common.cuh"

extern "C" __global__ void perturb_heads(float* y, const float* x, const float* pbar, int heads, int d, int positions,
                                         long long stride_r, long long stride_j) {
    int h = blockIdx.y;
    long long e = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (e >= (long long) d * positions) return;
    int r, j;
    if (stride_j == 1) {  // consecutive threads walk the contiguous axis
        j = (int) (e % positions);
        r = (int) (e / positions);
    } else {
        r = (int) (e % d);
        j = (int) (e / d);
    }
    const float* xh = x + (long long) h * d * stride_r + j * stride_j;
    const float* p = pbar + ((long long) h * d + r) * d;
    double s = xh[r * stride_r];
    for (int c = 0; c < d; c++) s += (double) p[c] * xh[c * stride_r];
    y[(long long) h * d * stride_r + r * stride_r + j * stride_j] = (float) s;
}
