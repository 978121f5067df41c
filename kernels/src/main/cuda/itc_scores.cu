// ITC scores of a gallery: scores[i, t] = max over the nq query features of image i of their dot product with text t.
//   img [n_img, nq, e] and txt [n_txt, e], both already L2-normalized; scores [n_img, n_txt].
// grid (n_img, ceil(n_txt / warps)), one warp per text; dynamic shared memory nq*e floats (the image's features).
#include "common.cuh"

extern "C" __global__ void itc_max_scores(float* scores, const float* img, const float* txt, int n_img, int n_txt,
                                          int nq, int e) {
    extern __shared__ float feats[];
    int i = blockIdx.x;
    const float* src = img + (long long) i * nq * e;
    for (int idx = threadIdx.x; idx < nq * e; idx += blockDim.x) feats[idx] = src[idx];
    __syncthreads();
    int warps = blockDim.x >> 5, lane = threadIdx.x & 31;
    int t = blockIdx.y * warps + (threadIdx.x >> 5);
    if (t >= n_txt) return;
    const float* tr = txt + (long long) t * e;
    float best = -INFINITY;
    for (int qq = 0; qq < nq; qq++) {
        float s = 0.f;
        for (int c = lane; c < e; c += 32) s = fmaf(feats[qq * e + c], tr[c], s);
        best = fmaxf(best, warp_sum(s));
    }
    if (lane == 0) scores[(long long) i * n_txt + t] = best;
}
