// Peak arithmetic throughput of the instructions our GEMMs use, measured on the card itself (the benchmark reports
// GEMM TFLOP/s against these): chains of independent FMAs in registers, and mma.sync on register fragments, with no
// memory traffic. Each thread stores one value, only when a never-true flag says so, to keep the work alive.
//   peak_fma_f32:  8 independent FMA chains per thread, iters steps  -> 16 * iters flops per thread
//   peak_mma_tf32: 4 independent m16n8k8 mma per warp per step         -> 4 * 2048 * iters flops per warp
//   peak_mma_bf16: 4 independent m16n8k16 mma per warp per step        -> 4 * 4096 * iters flops per warp
// grid: a few blocks per multiprocessor, 256 threads.

extern "C" __global__ void peak_fma_f32(float* sink, int iters, int flag) {
    float a[8];
#pragma unroll
    for (int i = 0; i < 8; i++) a[i] = threadIdx.x * 1e-3f + i;
    float b = 0.999f, c = 1e-4f;
    for (int it = 0; it < iters; it++) {
#pragma unroll
        for (int i = 0; i < 8; i++) a[i] = fmaf(a[i], b, c);
    }
    float s = 0.f;
#pragma unroll
    for (int i = 0; i < 8; i++) s += a[i];
    if (flag) sink[blockIdx.x * blockDim.x + threadIdx.x] = s;
}

extern "C" __global__ void peak_mma_tf32(float* sink, int iters, int flag) {
    unsigned a0 = threadIdx.x, a1 = a0 + 1, a2 = a0 + 2, a3 = a0 + 3, b0 = a0 ^ 5, b1 = a0 ^ 9;
    float c[4][4] = {};
    for (int it = 0; it < iters; it++) {
#pragma unroll
        for (int m = 0; m < 4; m++)
            asm volatile(
                "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
                "{%0,%1,%2,%3};\n"
                : "+f"(c[m][0]), "+f"(c[m][1]), "+f"(c[m][2]), "+f"(c[m][3])
                : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
    }
    float s = 0.f;
#pragma unroll
    for (int m = 0; m < 4; m++) s += c[m][0] + c[m][1] + c[m][2] + c[m][3];
    if (flag) sink[blockIdx.x * blockDim.x + threadIdx.x] = s;
}

extern "C" __global__ void peak_mma_bf16(float* sink, int iters, int flag) {
    unsigned a0 = threadIdx.x, a1 = a0 + 1, a2 = a0 + 2, a3 = a0 + 3, b0 = a0 ^ 5, b1 = a0 ^ 9;
    float c[4][4] = {};
    for (int it = 0; it < iters; it++) {
#pragma unroll
        for (int m = 0; m < 4; m++)
            asm volatile(
                "mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, "
                "{%0,%1,%2,%3};\n"
                : "+f"(c[m][0]), "+f"(c[m][1]), "+f"(c[m][2]), "+f"(c[m][3])
                : "r"(a0), "r"(a1), "r"(a2), "r"(a3), "r"(b0), "r"(b1));
    }
    float s = 0.f;
#pragma unroll
    for (int m = 0; m < 4; m++) s += c[m][0] + c[m][1] + c[m][2] + c[m][3];
    if (flag) sink[blockIdx.x * blockDim.x + threadIdx.x] = s;
}
