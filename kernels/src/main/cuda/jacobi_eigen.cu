// Batched symmetric eigensolver: two-sided cyclic Jacobi in double, one thread block per matrix, n <= 128.
// The rotation formula and the stopping rule are those of the CPU reference (org.qpert.core.backend.JacobiEigen);
// only the order differs: a round-robin ("tournament") ordering rotates n/2 disjoint pairs at once, and a sweep is
// n-1 such rounds, so every pair is visited once per sweep as in the cyclic order.
//   matrices [count, n, n] row-major; values [count, n] sorted descending (ties keep index order);
//   vectors [count, n, n] with eigenvector i as row i; work [count, n, n] holds the rotated eigenvector rows.
// grid (count), block of at least 32 threads (256 suits n = 64), dynamic shared memory n*n doubles + 8*n bytes
// (above 48 KiB, i.e. n > 78, the host raises the kernel's shared-memory limit).
#include "common.cuh"

__device__ __forceinline__ void tournament_pair(int round, int k, int m, int* p, int* q) {
    int a, b;
    if (k == 0) {
        a = m - 1;
        b = round;
    } else {
        a = (round + k) % (m - 1);
        b = (round - k + (m - 1)) % (m - 1);
    }
    *p = min(a, b);
    *q = max(a, b);
}

extern "C" __global__ void jacobi_eigen(double* values, double* vectors, double* work, const double* matrices, int n,
                                        int max_sweeps) {
    extern __shared__ double a[];      // [n][n], rotated towards diagonal form
    double* cs = a + n * n;            // per pair: cosine
    double* sn = cs + n / 2 + 1;       // per pair: sine
    __shared__ double scratch[32];
    __shared__ int stop;
    int mat = blockIdx.x, nn = n * n;
    int m = n + (n & 1);               // an odd order plays with a dummy index n that is never rotated
    int pairs = m / 2;
    const double* src = matrices + (long long) mat * nn;
    double* vt = work + (long long) mat * nn;  // row i = current column i of the CPU reference's V
    for (int e = threadIdx.x; e < nn; e += blockDim.x) {
        a[e] = src[e];
        vt[e] = (e / n == e % n) ? 1.0 : 0.0;
    }
    __syncthreads();
    for (int sweep = 0; sweep < max_sweeps; sweep++) {
        double off = 0.0, diag = 0.0;
        for (int e = threadIdx.x; e < nn; e += blockDim.x) {
            int r = e / n, c = e % n;
            double x = a[e];
            if (r == c) diag += x * x;
            else if (r < c) off += x * x;
        }
        off = block_sum(off, scratch);
        diag = block_sum(diag, scratch);
        if (threadIdx.x == 0) stop = (off <= 1e-30 * diag || off == 0.0);
        __syncthreads();
        if (stop) break;
        for (int round = 0; round < m - 1; round++) {
            for (int k = threadIdx.x; k < pairs; k += blockDim.x) {
                int p, q;
                tournament_pair(round, k, m, &p, &q);
                double c = 1.0, s = 0.0;
                if (q < n) {
                    double apq = a[p * n + q];
                    if (apq != 0.0) {
                        double theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                        double t = theta == 0.0 ? 1.0
                                : copysign(1.0, theta) / (fabs(theta) + sqrt(theta * theta + 1.0));
                        c = 1.0 / sqrt(t * t + 1.0);
                        s = t * c;
                    }
                }
                cs[k] = c;
                sn[k] = s;
            }
            __syncthreads();
            // columns p and q of a (all rows), as CPU rotate's first loop
            for (int w = threadIdx.x; w < pairs * n; w += blockDim.x) {
                int k = w / n, r = w % n, p, q;
                tournament_pair(round, k, m, &p, &q);
                if (q >= n || sn[k] == 0.0) continue;
                double c = cs[k], s = sn[k], x = a[r * n + p], y = a[r * n + q];
                a[r * n + p] = c * x - s * y;
                a[r * n + q] = s * x + c * y;
            }
            __syncthreads();
            // rows p and q of a, and of the eigenvector rows
            for (int w = threadIdx.x; w < pairs * n; w += blockDim.x) {
                int k = w / n, col = w % n, p, q;
                tournament_pair(round, k, m, &p, &q);
                if (q >= n || sn[k] == 0.0) continue;
                double c = cs[k], s = sn[k];
                double x = a[p * n + col], y = a[q * n + col];
                a[p * n + col] = c * x - s * y;
                a[q * n + col] = s * x + c * y;
                double vx = vt[p * n + col], vy = vt[q * n + col];
                vt[p * n + col] = c * vx - s * vy;
                vt[q * n + col] = s * vx + c * vy;
            }
            __syncthreads();
        }
    }
    // sort descending by rank; equal eigenvalues keep their index order (a stable sort, as on the CPU)
    double* out_values = values + (long long) mat * n;
    double* out_vectors = vectors + (long long) mat * nn;
    for (int i = threadIdx.x; i < n; i += blockDim.x) {
        double li = a[i * n + i];
        int rank = 0;
        for (int j = 0; j < n; j++) {
            double lj = a[j * n + j];
            if (lj > li || (lj == li && j < i)) rank++;
        }
        out_values[rank] = li;
        for (int c = 0; c < n; c++) out_vectors[rank * n + c] = vt[i * n + c];
    }
}
