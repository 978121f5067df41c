// Token weights of object boxes (spec/QPERT.md section 3, MASK_RESIZE) and the weighted key rows F = diag(w) K.
//
// The box mask is a product of a row indicator and a column indicator, and bilinear resizing is separable, so the
// resized mask is positive exactly where a resized row and a resized column are both hit: a patch's coverage is
// (hit rows in its p rows / p) * (hit columns in its p columns / p). The source coordinate follows PyTorch's
// upsample_bilinear2d (align_corners = false, no antialias) in float32, without fused multiply-adds.
// The box bounds int(x0) .. int(x1) act as a Python slice mask[y0:y1, x0:x1] = 1, as in the reference that produced
// parity/inputs/token_weights.json: a negative bound counts from the end (a box with y1 = -5.6 covers rows 0 .. H-6).
#include "common.cuh"

__device__ __forceinline__ int slice_bound(int v, int n) {
    return v < 0 ? max(0, v + n) : min(v, n);
}

__device__ __forceinline__ bool resized_hit(int o, int n_in, int s_out, int lo, int hi) {
    float scale = __fdiv_rn((float) n_in, (float) s_out);
    float s = fmaxf(0.f, __fsub_rn(__fmul_rn(scale, __fadd_rn((float) o, 0.5f)), 0.5f));
    int i0 = (int) s;
    int i1 = min(i0 + 1, n_in - 1);
    float f = __fsub_rn(s, (float) i0);
    bool in0 = lo <= i0 && i0 < hi, in1 = lo <= i1 && i1 < hi;
    return in0 || (f > 0.f && in1);
}

// One block per box (blockDim a multiple of 32). boxes [n, 4] = x0, y0, x1, y1 in original pixels; sizes [n, 2] =
// H, W. Writes weights [n, T] (token 0 = CLS = 0), and the tokens with weight > 0 in token order: count [n],
// index [n, T], compact [n, T] (their weights). Dynamic shared memory 2*S bytes.
extern "C" __global__ void token_coverage(float* weights, int* count, int* index, float* compact, const float* boxes,
                                          const int* sizes, int S, int p) {
    extern __shared__ unsigned char hit[];  // [0, S): rows, [S, 2S): columns
    __shared__ int warp_counts[32];
    __shared__ int base;
    int b = blockIdx.x, g = S / p, T = 1 + g * g;
    int H = sizes[b * 2], W = sizes[b * 2 + 1];
    int x0 = slice_bound((int) boxes[b * 4], W), x1 = slice_bound((int) boxes[b * 4 + 2], W);
    int y0 = slice_bound((int) boxes[b * 4 + 1], H), y1 = slice_bound((int) boxes[b * 4 + 3], H);
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
