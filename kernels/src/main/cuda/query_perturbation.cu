// Q-Perturbation per head, q_h' = (I + Pbar_h) q_h (spec/QPERT.md section 6), summed in double like the CPU
// reference. q [rows, heads*d]; pbar [heads*d, d]: rows h*d .. h*d+d-1 hold Pbar_h. y must not alias q.
// grid (ceil(d*rows / blockDim), heads); consecutive threads walk the components of one head of one row.
extern "C" __global__ void perturb_heads(float* y, const float* q, const float* pbar, int heads, int d, int rows) {
    int h = blockIdx.y;
    long long e = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    if (e >= (long long) d * rows) return;
    int r = (int) (e % d);
    long long j = e / d;
    const float* qh = q + j * heads * d + (long long) h * d;
    const float* p = pbar + ((long long) h * d + r) * d;
    double s = qh[r];
    for (int c = 0; c < d; c++) s += (double) p[c] * qh[c];
    y[j * heads * d + (long long) h * d + r] = (float) s;
}
