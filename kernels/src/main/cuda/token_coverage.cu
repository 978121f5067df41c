// Token weights of object boxes (spec/QPERT.md section 3, MASK_RESIZE) and the weighted key rows F = diag(w) K.
//
// The rule is the CPU one, org.qpert.core.qpert.TokenCoverage, step for step: the box mask is a product of a row
// indicator and a column indicator, and bilinear resizing is separable, so the resized mask is positive exactly where
// a resized row and a resized column are both hit, and a patch's coverage is (hit rows in its p rows) * (hit columns
// in its p columns) / p^2. The boxes come clipped to the image (Box.clipTo) and their bounds are truncated, the
// scale is a float32 quotient and the source coordinate is computed in double (PyTorch's upsample_bilinear2d,
// align_corners = false, no antialias): the combination that reproduces all valid cases of token_weights.json.
#include "common.cuh"

__device__ __forceinline__ bool resized_hit(int o, int n, int size, long long first, long long end) {
    double scale = (double) __fdiv_rn((float) n, (float) size);
    double s = fmax(0.0, __dsub_rn(__dmul_rn(scale, o + 0.5), 0.5));
    int i0 = min((int) floor(s), n - 1);
    double lambda1 = fmin(fmax(s - i0, 0.0), 1.0);
    double lambda0 = 1.0 - lambda1;
    int i1 = min(i0 + 1, n - 1);
    return (lambda0 > 0.0 && i0 >= first && i0 < end) || (lambda1 > 0.0 && i1 >= first && i1 < end);
}

// One block per box (blockDim a multiple of 32). boxes [n, 4] = x0, y0, x1, y1 in original pixels, clipped to the
// image; sizes [n, 2] = H, W. Writes weights [n, T] (token 0 = CLS = 0), and the tokens with weight > 0 in token
// order: count [n], index [n, T], compact [n, T] (their weights). Dynamic shared memory 2*S bytes.
extern "C" __global__ void token_coverage(float* weights, int* count, int* index, float* compact, const double* boxes,
                                          const int* sizes, int S, int p) {
    extern __shared__ unsigned char hit[];  // [0, S): rows, [S, 2S): columns
    __shared__ int warp_counts[32];
    __shared__ int base;
    int b = blockIdx.x, g = S / p, T = 1 + g * g;
    int H = sizes[b * 2], W = sizes[b * 2 + 1];
    long long x0 = (long long) boxes[b * 4], y0 = (long long) boxes[b * 4 + 1];  // int() truncation, as the CPU
    long long x1 = (long long) boxes[b * 4 + 2], y1 = (long long) boxes[b * 4 + 3];
    for (int o = threadIdx.x; o < S; o += blockDim.x) {
        hit[o] = resized_hit(o, H, S, y0, y1);
        hit[S + o] = resized_hit(o, W, S, x0, x1);
    }
    if (threadIdx.x == 0) base = 0;
    __syncthreads();
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    for (int t0 = 0; t0 < T; t0 += blockDim.x) {
        int t = t0 + threadIdx.x;
        float w = 0.f;
        if (t > 0 && t < T) {
            int gy = (t - 1) / g, gx = (t - 1) % g, rows = 0, cols = 0;
            for (int k = 0; k < p; k++) {
                rows += hit[gy * p + k];
                cols += hit[S + gx * p + k];
            }
            w = __fdiv_rn((float) (rows * cols), (float) (p * p));
        }
        if (t < T) weights[(long long) b * T + t] = w;
        bool keep = t < T && w > 0.f;
        unsigned ballot = __ballot_sync(QP_FULL_MASK, keep);
        if (lane == 0) warp_counts[warp] = __popc(ballot);
        __syncthreads();
        int offset = base + __popc(ballot & ((1u << lane) - 1u));
        for (int w2 = 0; w2 < warp; w2++) offset += warp_counts[w2];
        if (keep) {
            index[(long long) b * T + offset] = t;
            compact[(long long) b * T + offset] = w;
        }
        __syncthreads();
        if (threadIdx.x == 0) {
            for (int w2 = 0; w2 < warps; w2++) base += warp_counts[w2];
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) count[b] = base;
}

// F[b, i, :] = compact[b, i] * K[index[b, i], :] for i < count[b] (rows beyond are left as they are).
// K [T, width] is one cross-attention layer's keys; F [n, T, width]. grid (T, n), any block size.
extern "C" __global__ void gather_weighted_keys(float* F, const float* K, const int* index, const float* compact,
                                                const int* count, int T, int width) {
    int i = blockIdx.x, b = blockIdx.y;
    if (i >= count[b]) return;
    long long slot = (long long) b * T + i;
    float w = compact[slot];
    const float* kr = K + (long long) index[slot] * width;
    float* fr = F + slot * width;
    for (int c = threadIdx.x; c < width; c += blockDim.x) fr[c] = w * kr[c];
}
