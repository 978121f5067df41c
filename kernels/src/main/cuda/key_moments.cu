// Second moments of the weighted keys of each object, per head (spec/QPERT.md section 4), summed in double:
//   key_moments: R[b, h] = F_h^T F_h (d x d), F_h = columns h*d .. h*d+d-1 of the first count[b] rows of F[b]
//   key_gram:    G[b, h] = F_h F_h^T (m x m, zero beyond count[b]): the Gram shortcut for objects with fewer
//                tokens than d; its non-zero eigenvalues are R's, and u = F_h^T v / sqrt(lambda).
// F [n, T, heads*d] as written by gather_weighted_keys.
#include "common.cuh"

#define QP_MOMENT_ACC 16  // entries of R per thread and pass

// grid (n, heads), blockDim a multiple of 32 (256 covers d = 64 in one pass); dynamic shared memory 32*d floats.
extern "C" __global__ void key_moments(double* R, const float* F, const int* count, int T, int heads, int d) {
    extern __shared__ float tile[];  // [32][d]: a tile of rows of F_h
    int b = blockIdx.x, h = blockIdx.y, width = heads * d, n = count[b];
    const float* fb = F + (long long) b * T * width + h * d;
    double* rb = R + ((long long) b * heads + h) * d * d;
    for (int first = 0; first < d * d; first += QP_MOMENT_ACC * blockDim.x) {  // entries held in registers per pass
        double acc[QP_MOMENT_ACC];
#pragma unroll
        for (int e = 0; e < QP_MOMENT_ACC; e++) acc[e] = 0.0;
        for (int i0 = 0; i0 < n; i0 += 32) {
            __syncthreads();
            for (int idx = threadIdx.x; idx < 32 * d; idx += blockDim.x) {
                int i = i0 + idx / d;
                tile[idx] = i < n ? fb[(long long) i * width + idx % d] : 0.f;
            }
            __syncthreads();
            int rows = min(32, n - i0);
#pragma unroll
            for (int e = 0; e < QP_MOMENT_ACC; e++) {
                int entry = first + threadIdx.x + e * blockDim.x;
                if (entry < d * d) {
                    int a = entry / d, c = entry % d;
                    double s = acc[e];
                    for (int i = 0; i < rows; i++) s += (double) tile[i * d + a] * (double) tile[i * d + c];
                    acc[e] = s;
                }
            }
        }
#pragma unroll
        for (int e = 0; e < QP_MOMENT_ACC; e++) {
            int entry = first + threadIdx.x + e * blockDim.x;
            if (entry < d * d) rb[entry] = acc[e];
        }
    }
}

// grid (n, heads), any block size; m >= every count[b].
extern "C" __global__ void key_gram(double* G, const float* F, const int* count, int T, int heads, int d, int m) {
    int b = blockIdx.x, h = blockIdx.y, width = heads * d, n = count[b];
    const float* fb = F + (long long) b * T * width + h * d;
    double* gb = G + ((long long) b * heads + h) * m * m;
    for (int entry = threadIdx.x; entry < m * m; entry += blockDim.x) {
        int i = entry / m, j = entry % m;
        double s = 0.0;
        if (i < n && j < n) {
            const float* fi = fb + (long long) i * width;
            const float* fj = fb + (long long) j * width;
            for (int c = 0; c < d; c++) s += (double) fi[c] * (double) fj[c];
        }
        gb[entry] = s;
    }
}
