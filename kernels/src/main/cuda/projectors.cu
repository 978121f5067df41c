// Q-Perturbation's mean projectors on the device (spec/QPERT.md sections 4 and 6), after the batched
// eigendecomposition of each (layer, object, head) problem, numbered p = (l * objects + j) * heads + h:
//   gram_vectors:          u_i = F_h^T v_i / ||F_h^T v_i|| for the kept Gram eigenvectors v_i (i < kept[p])
//   accumulate_projectors: P[l, h] += sum over objects j, i < kept[p] of scale[j] * u_i u_i^T (upper triangle, double)
//   store_pbar:            one layer's P [heads, d, d] as float32 [heads*d, d], mirrored
// Eigenvectors are rows of [problems, order, order]; "reversed" marks solvers that sort ascending (cuSOLVER), whose
// eigenvector i is row order-1-i. The sums follow the CPU reference (org.qpert.core.backend.HostMeanProjectors)
// term by term: same products, same order (objects in order, direct group before Gram group).
#include "common.cuh"

__device__ __forceinline__ int eigen_row(int i, int order, int reversed) {
    return reversed ? order - 1 - i : i;
}

// grid (problems), blockDim >= d, a multiple of 32. F [layers, objects, T, heads*d] (rows a < count[j] used);
// V [problems, m, m] eigenvectors of the Gram matrices; U [problems, m, d] receives the kept u_i.
extern "C" __global__ void gram_vectors(double* U, const double* V, const float* F, const int* count, const int* kept,
                                        int objects, int T, int heads, int d, int m, int reversed) {
    __shared__ double scratch[32];
    int p = blockIdx.x, h = p % heads, j = (p / heads) % objects, l = p / (heads * objects);
    int n = count[j], k = kept[p], width = heads * d, c = threadIdx.x;
    const float* f = F + ((long long) (l * objects + j) * T) * width + h * d;
    for (int i = 0; i < k; i++) {
        const double* v = V + ((long long) p * m + eigen_row(i, m, reversed)) * m;
        double u = 0.0;
        if (c < d) {
            for (int a = 0; a < n; a++) u += v[a] * (double) f[(long long) a * width + c];
        }
        double norm = sqrt(block_sum(c < d ? u * u : 0.0, scratch));
        if (c < d) U[((long long) p * m + i) * d + c] = u / norm;
    }
}

// grid (layers * heads), any block size. B [problems, order, d]: basis rows (eigenvectors, or U of gram_vectors);
// P [layers, heads, d, d] in double, added to (upper triangle only).
extern "C" __global__ void accumulate_projectors(double* P, const double* B, const int* kept, const double* scale,
                                                 int objects, int heads, int d, int order, int reversed) {
    int l = blockIdx.x / heads, h = blockIdx.x % heads;
    double* target = P + ((long long) l * heads + h) * d * d;
    for (int e = threadIdx.x; e < d * d; e += blockDim.x) {
        int r = e / d, c = e % d;
        if (c < r) continue;
        double acc = target[e];
        for (int j = 0; j < objects; j++) {
            int p = (l * objects + j) * heads + h;
            double s = scale[j];
            for (int i = 0; i < kept[p]; i++) {
                const double* u = B + ((long long) p * order + eigen_row(i, order, reversed)) * d;
                acc += (s * u[r]) * u[c];
            }
        }
        target[e] = acc;
    }
}

// grid (ceil(heads*d*d / blockDim)). out [heads*d, d] float32 from P [layers, heads, d, d] (upper triangle) of layer l.
extern "C" __global__ void store_pbar(float* out, const double* P, int layer, int heads, int d) {
    long long e = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (e >= (long long) heads * d * d) return;
    int h = (int) (e / (d * d)), r = (int) (e / d % d), c = (int) (e % d);
    const double* src = P + ((long long) layer * heads + h) * d * d;
    out[e] = (float) (r <= c ? src[r * d + c] : src[c * d + r]);
}
