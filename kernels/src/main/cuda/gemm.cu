// Our own GEMM for when cuBLAS is absent: C = A * B^T (+ bias, then optional exact GELU, then + residual), the
// Linear layout y = x W^T + b. A [M, K] float32 activations, B [N, K] weights in the dtype they are stored in,
// bias [N] or null, residual [M, N] or null; all row-major, any M, N, K (edges are zero-filled). The variant is picked
// by (compute precision, weight dtype); a 16-bit weight is widened exactly in the tile load, never copied to float32:
//   gemm_f32, gemm_f32_wbf16, gemm_f32_wf16:   64x64 block tile, 256 threads each owning a 4x4 register tile; exact
//                                              float32 FMA.
//   gemm_tf32, gemm_tf32_wbf16, gemm_tf32_wf16: 64x64 block tile, 4 warps of 32x32, tensor cores (mma.sync m16n8k8,
//                                              inputs rounded to TF32, float32 accumulation): ~1e-3 relative error on
//                                              K ~ 1e3. BF16 and F16 weights are exact in TF32 (8 and 11 significant
//                                              bits against TF32's 11), so only the activations round.
//   gemm_bf16: same tiling with mma.sync m16n8k16 on bfloat16 inputs (A rounded on the fly), float32 accumulation;
//              weights in bfloat16 (the backend stores an F32 or F16 weight as bfloat16 once, in BF16 mode).
// grid (ceil(N/64), ceil(M/64)).
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include "common.cuh"

__device__ __forceinline__ float widen(float w) { return w; }
__device__ __forceinline__ float widen(__nv_bfloat16 w) { return __bfloat162float(w); }
__device__ __forceinline__ float widen(__half w) { return __half2float(w); }

#define QP_TILE 64

// Not inlined: the GELU (a double erf) would otherwise be copied into every unrolled store.
__device__ __noinline__ void store_output(float* C, const float* bias, const float* residual, int M, int N, int gelu,
                                             int r, int c, float v) {
    if (r >= M || c >= N) return;
    if (bias != nullptr) v += bias[c];
    if (gelu) v = gelu_exact(v);
    long long o = (long long) r * N + c;
    if (residual != nullptr) v += residual[o];
    C[o] = v;
}

#define QP_F32_BK 16

template <typename W>
__device__ __forceinline__ void gemm_f32_tile(float* C, const float* A, const W* B, const float* bias,
                                              const float* residual, int M, int N, int K, int gelu) {
    __shared__ float As[QP_F32_BK][QP_TILE + 4];
    __shared__ float Bs[QP_F32_BK][QP_TILE + 4];
    int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
    int bm = blockIdx.y * QP_TILE, bn = blockIdx.x * QP_TILE;
    float acc[4][4] = {};
    for (int k0 = 0; k0 < K; k0 += QP_F32_BK) {
        #pragma unroll
        for (int e = 0; e < 4; e++) {
            int idx = tid + 256 * e, row = idx / QP_F32_BK, k = idx % QP_F32_BK, gk = k0 + k;
            As[k][row] = (bm + row < M && gk < K) ? A[(long long) (bm + row) * K + gk] : 0.f;
            Bs[k][row] = (bn + row < N && gk < K) ? widen(B[(long long) (bn + row) * K + gk]) : 0.f;
        }
        __syncthreads();
        #pragma unroll
        for (int kk = 0; kk < QP_F32_BK; kk++) {
            float a[4], b[4];
            #pragma unroll
            for (int i = 0; i < 4; i++) a[i] = As[kk][ty + 16 * i];
            #pragma unroll
            for (int j = 0; j < 4; j++) b[j] = Bs[kk][tx + 16 * j];
            #pragma unroll
            for (int i = 0; i < 4; i++)
                #pragma unroll
                for (int j = 0; j < 4; j++) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
        }
        __syncthreads();
    }
    #pragma unroll
    for (int i = 0; i < 4; i++)
        #pragma unroll
        for (int j = 0; j < 4; j++) store_output(C, bias, residual, M, N, gelu, bm + ty + 16 * i, bn + tx + 16 * j, acc[i][j]);
}

extern "C" __global__ void __launch_bounds__(256) gemm_f32(float* C, const float* A, const float* B, const float* bias,
                                                          const float* residual, int M, int N, int K, int gelu) {
    gemm_f32_tile(C, A, B, bias, residual, M, N, K, gelu);
}

extern "C" __global__ void __launch_bounds__(256) gemm_f32_wbf16(float* C, const float* A, const __nv_bfloat16* B,
                                                                const float* bias, const float* residual, int M, int N,
                                                                int K, int gelu) {
    gemm_f32_tile(C, A, B, bias, residual, M, N, K, gelu);
}

extern "C" __global__ void __launch_bounds__(256) gemm_f32_wf16(float* C, const float* A, const __half* B,
                                                               const float* bias, const float* residual, int M, int N,
                                                               int K, int gelu) {
    gemm_f32_tile(C, A, B, bias, residual, M, N, K, gelu);
}

// ---- tensor-core variants: 4 warps in a 2x2 grid, each a 32x32 tile = 2 (m16) x 4 (n8) mma tiles ----
// Fragment layouts (PTX ISA, mma.m16n8k8 .tf32 / mma.m16n8k16 .bf16), g = lane/4, t = lane%4:
//   tf32 A: a0 (g, t) a1 (g+8, t) a2 (g, t+4) a3 (g+8, t+4);  B: b0 (k=t, n=g) b1 (k=t+4, n=g)
//   bf16 A: a0 (g, 2t..2t+1) a1 (g+8, 2t..) a2 (g, 2t+8..) a3 (g+8, 2t+8..);  B: b0 (k=2t.., n=g) b1 (k=2t+8.., n=g)
//   C:      c0 (g, 2t) c1 (g, 2t+1) c2 (g+8, 2t) c3 (g+8, 2t+1)
#define QP_MMA_BK 32

__device__ __forceinline__ void store_mma_tiles(float (&acc)[2][4][4], float* C, const float* bias,
                                                const float* residual, int M, int N, int gelu, int row0, int col0) {
    int lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
    #pragma unroll
    for (int mi = 0; mi < 2; mi++)
        #pragma unroll
        for (int ni = 0; ni < 4; ni++) {
            int r = row0 + mi * 16 + g, c = col0 + ni * 8 + 2 * t;
            store_output(C, bias, residual, M, N, gelu, r, c, acc[mi][ni][0]);
            store_output(C, bias, residual, M, N, gelu, r, c + 1, acc[mi][ni][1]);
            store_output(C, bias, residual, M, N, gelu, r + 8, c, acc[mi][ni][2]);
            store_output(C, bias, residual, M, N, gelu, r + 8, c + 1, acc[mi][ni][3]);
        }
}

__device__ __forceinline__ unsigned to_tf32(float x) {
    unsigned r;
    asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
    return r;
}

template <typename W>
__device__ __forceinline__ void gemm_tf32_tile(float* C, const float* A, const W* B, const float* bias,
                                               const float* residual, int M, int N, int K, int gelu) {
    __shared__ float As[QP_TILE][QP_MMA_BK + 4];  // +4: fragment reads hit 32 distinct banks
    __shared__ float Bs[QP_TILE][QP_MMA_BK + 4];
    int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31, g = lane >> 2, t = lane & 3;
    int wm = (warp >> 1) * 32, wn = (warp & 1) * 32;
    int bm = blockIdx.y * QP_TILE, bn = blockIdx.x * QP_TILE;
    float acc[2][4][4] = {};
    for (int k0 = 0; k0 < K; k0 += QP_MMA_BK) {
        #pragma unroll
        for (int e = 0; e < QP_TILE * QP_MMA_BK / 128; e++) {
            int idx = tid + 128 * e, row = idx / QP_MMA_BK, k = idx % QP_MMA_BK, gk = k0 + k;
            As[row][k] = (bm + row < M && gk < K) ? A[(long long) (bm + row) * K + gk] : 0.f;
            Bs[row][k] = (bn + row < N && gk < K) ? widen(B[(long long) (bn + row) * K + gk]) : 0.f;
        }
        __syncthreads();
        #pragma unroll
        for (int kk = 0; kk < QP_MMA_BK; kk += 8) {
            unsigned a[2][4], b[4][2];
            #pragma unroll
            for (int mi = 0; mi < 2; mi++) {
                int r = wm + mi * 16 + g;
                a[mi][0] = to_tf32(As[r][kk + t]);
                a[mi][1] = to_tf32(As[r + 8][kk + t]);
                a[mi][2] = to_tf32(As[r][kk + t + 4]);
                a[mi][3] = to_tf32(As[r + 8][kk + t + 4]);
            }
            #pragma unroll
            for (int ni = 0; ni < 4; ni++) {
                int n = wn + ni * 8 + g;
                b[ni][0] = to_tf32(Bs[n][kk + t]);
                b[ni][1] = to_tf32(Bs[n][kk + t + 4]);
            }
            #pragma unroll
            for (int mi = 0; mi < 2; mi++)
                #pragma unroll
                for (int ni = 0; ni < 4; ni++) {
                    float* c = acc[mi][ni];
                    asm volatile(
                        "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
                        "{%0,%1,%2,%3};\n"
                        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                        : "r"(a[mi][0]), "r"(a[mi][1]), "r"(a[mi][2]), "r"(a[mi][3]), "r"(b[ni][0]), "r"(b[ni][1]));
                }
        }
        __syncthreads();
    }
    store_mma_tiles(acc, C, bias, residual, M, N, gelu, bm + wm, bn + wn);
}

extern "C" __global__ void __launch_bounds__(128) gemm_tf32(float* C, const float* A, const float* B, const float* bias,
                                                           const float* residual, int M, int N, int K, int gelu) {
    gemm_tf32_tile(C, A, B, bias, residual, M, N, K, gelu);
}

extern "C" __global__ void __launch_bounds__(128) gemm_tf32_wbf16(float* C, const float* A, const __nv_bfloat16* B,
                                                                 const float* bias, const float* residual, int M, int N,
                                                                 int K, int gelu) {
    gemm_tf32_tile(C, A, B, bias, residual, M, N, K, gelu);
}

extern "C" __global__ void __launch_bounds__(128) gemm_tf32_wf16(float* C, const float* A, const __half* B,
                                                                const float* bias, const float* residual, int M, int N,
                                                                int K, int gelu) {
    gemm_tf32_tile(C, A, B, bias, residual, M, N, K, gelu);
}

extern "C" __global__ void __launch_bounds__(128) gemm_bf16(float* C, const float* A, const __nv_bfloat16* B,
                                                           const float* bias, const float* residual, int M, int N, int K,
                                                           int gelu) {
    __shared__ __align__(16) __nv_bfloat16 As[QP_TILE][QP_MMA_BK + 8];  // +8: conflict-free 32-bit fragment reads
    __shared__ __align__(16) __nv_bfloat16 Bs[QP_TILE][QP_MMA_BK + 8];
    int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31, g = lane >> 2, t = lane & 3;
    int wm = (warp >> 1) * 32, wn = (warp & 1) * 32;
    int bm = blockIdx.y * QP_TILE, bn = blockIdx.x * QP_TILE;
    const __nv_bfloat16 zero = __float2bfloat16_rn(0.f);
    float acc[2][4][4] = {};
    for (int k0 = 0; k0 < K; k0 += QP_MMA_BK) {
        #pragma unroll
        for (int e = 0; e < QP_TILE * QP_MMA_BK / 128; e++) {
            int idx = tid + 128 * e, row = idx / QP_MMA_BK, k = idx % QP_MMA_BK, gk = k0 + k;
            As[row][k] = (bm + row < M && gk < K) ? __float2bfloat16_rn(A[(long long) (bm + row) * K + gk]) : zero;
            Bs[row][k] = (bn + row < N && gk < K) ? B[(long long) (bn + row) * K + gk] : zero;
        }
        __syncthreads();
        #pragma unroll
        for (int kk = 0; kk < QP_MMA_BK; kk += 16) {
            unsigned a[2][4], b[4][2];
            #pragma unroll
            for (int mi = 0; mi < 2; mi++) {
                int r = wm + mi * 16 + g;
                a[mi][0] = *reinterpret_cast<const unsigned*>(&As[r][kk + 2 * t]);
                a[mi][1] = *reinterpret_cast<const unsigned*>(&As[r + 8][kk + 2 * t]);
                a[mi][2] = *reinterpret_cast<const unsigned*>(&As[r][kk + 2 * t + 8]);
                a[mi][3] = *reinterpret_cast<const unsigned*>(&As[r + 8][kk + 2 * t + 8]);
            }
            #pragma unroll
            for (int ni = 0; ni < 4; ni++) {
                int n = wn + ni * 8 + g;
                b[ni][0] = *reinterpret_cast<const unsigned*>(&Bs[n][kk + 2 * t]);
                b[ni][1] = *reinterpret_cast<const unsigned*>(&Bs[n][kk + 2 * t + 8]);
            }
            #pragma unroll
            for (int mi = 0; mi < 2; mi++)
                #pragma unroll
                for (int ni = 0; ni < 4; ni++) {
                    float* c = acc[mi][ni];
                    asm volatile(
                        "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
                        "{%0,%1,%2,%3};\n"
                        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                        : "r"(a[mi][0]), "r"(a[mi][1]), "r"(a[mi][2]), "r"(a[mi][3]), "r"(b[ni][0]), "r"(b[ni][1]));
                }
        }
        __syncthreads();
    }
    store_mma_tiles(acc, C, bias, residual, M, N, gelu, bm + wm, bn + wn);
}
