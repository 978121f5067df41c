// Multi-head softmax attention, one query row per warp, keys streamed through shared memory in tiles of 32 with an
// online (running max) softmax, so any number of keys fits: ViT 257 or 677 tokens x 16 heads of 88, Q-Former 32
// queries (+ text) x 12 heads of 64 with an additive padding bias per key.
//   q [nq, heads*d], k and v [nk, heads*d]; head h uses columns h*d .. h*d+d-1; key_bias [nk] or null.
//   out[i, h*d+c] = sum_j softmax_j(q_i.k_j * scale + key_bias_j) v_j[c]
// grid (ceil(nq / warps), heads), block warps*32 threads, d <= 128,
// dynamic shared memory (warps*d + 32*(d+1) + 32*d) floats.
#include "common.cuh"

#define QP_ATT_MAX_PER_LANE 4  // d <= 128: each lane owns output columns lane, lane+32, lane+64, lane+96

extern "C" __global__ void attention(float* out, const float* q, const float* k, const float* v, const float* key_bias,
                                     int nq, int nk, int heads, int d, float scale) {
    extern __shared__ float sm[];
    int warps = blockDim.x >> 5, warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    float* qs = sm;                     // [warps][d]
    float* ks = qs + warps * d;         // [32][d+1]: the +1 keeps lanes (one key each) on different banks
    float* vs = ks + 32 * (d + 1);      // [32][d]
    int h = blockIdx.y, width = heads * d, first = blockIdx.x * warps;
    for (int i = threadIdx.x; i < warps * d; i += blockDim.x) {
        int r = first + i / d;
        qs[i] = r < nq ? q[(long long) r * width + h * d + i % d] : 0.f;
    }
    float acc[QP_ATT_MAX_PER_LANE] = {0.f, 0.f, 0.f, 0.f};
    float m = -INFINITY, l = 0.f;
    for (int j0 = 0; j0 < nk; j0 += 32) {
        __syncthreads();  // the previous tile is consumed (first pass: the queries are loaded)
        for (int i = threadIdx.x; i < 32 * d; i += blockDim.x) {
            int jj = i / d, c = i % d, j = j0 + jj;
            long long src = (long long) j * width + h * d + c;
            ks[jj * (d + 1) + c] = j < nk ? k[src] : 0.f;
            vs[jj * d + c] = j < nk ? v[src] : 0.f;
        }
        __syncthreads();
        int j = j0 + lane;
        float s = -INFINITY;
        if (j < nk) {
            const float* qr = qs + warp * d;
            const float* kr = ks + lane * (d + 1);
            float dot = 0.f;
            for (int c = 0; c < d; c++) dot = fmaf(qr[c], kr[c], dot);
            s = dot * scale + (key_bias != nullptr ? key_bias[j] : 0.f);
        }
        float mnew = fmaxf(m, warp_max(s));  // finite: key j0 exists
        float corr = expf(m - mnew);         // 0 on the first tile (m = -inf)
        float p = j < nk ? expf(s - mnew) : 0.f;
        l = l * corr + warp_sum(p);
        for (int t = 0; t < QP_ATT_MAX_PER_LANE; t++) acc[t] *= corr;
        int valid = min(32, nk - j0);
        for (int jj = 0; jj < valid; jj++) {
            float pj = __shfl_sync(QP_FULL_MASK, p, jj);
            for (int t = 0; t < QP_ATT_MAX_PER_LANE; t++) {
                int c = lane + 32 * t;
                if (c < d) acc[t] = fmaf(pj, vs[jj * d + c], acc[t]);
            }
        }
        m = mnew;
    }
    int row = first + warp;
    if (row >= nq) return;
    for (int t = 0; t < QP_ATT_MAX_PER_LANE; t++) {
        int c = lane + 32 * t;
        if (c < d) out[(long long) row * width + h * d + c] = acc[t] / l;
    }
}
