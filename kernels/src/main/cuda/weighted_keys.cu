// The weighted key rows of the objects, F = diag(w) K (spec/QPERT.md section 4), gathered from one cross-attention
// layer's keys in device memory. The covered tokens and their weights come from the host (core's token coverage,
// through the model card's geometry; ObjectTokens uploads them): count [n], index [n, T] (token ids in increasing
// order), compact [n, T] (their weights).

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
