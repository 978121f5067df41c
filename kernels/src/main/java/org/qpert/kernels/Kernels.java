package org.qpert.kernels;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import jcuda.driver.CUdeviceptr;
import org.qpert.kernels.Launcher.Grid;

/**
 * One typed method per CUDA kernel of src/main/cuda: the {@link Entry} names the PTX entry, and the parameters after
 * the {@link Grid} are the kernel's, in order, with their C types ({@code T*} → {@link CUdeviceptr}, {@code int} →
 * int, {@code long long} → long, {@code float} → float). KernelSignatureTest checks every method against the
 * {@code .param} list of its entry in the shipped PTX and against the .cu declaration. A null pointer is passed as
 * a null device pointer (the kernels treat bias, residual and key bias as optional).
 */
final class Kernels {
    /** The PTX entry a method launches: kernel {@code name} in module (.cu file) {@code module}. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.METHOD)
    @interface Entry {
        String module();

        String name();
    }

    private final Launcher launcher;

    Kernels(Launcher launcher) {
        this.launcher = launcher;
    }

    // ---- linear_epilogue.cu, add_layernorm.cu, l2_normalize.cu, mean_rows.cu, convert_bf16.cu ----

    @Entry(module = "linear_epilogue", name = "linear_epilogue")
    void linearEpilogue(Grid g, CUdeviceptr y, CUdeviceptr x, CUdeviceptr bias, CUdeviceptr residual, int rows,
            int cols, int gelu) {
        launcher.launch("linear_epilogue", "linear_epilogue", g,
                new KernelArgs().ptr(y).ptr(x).ptr(bias).ptr(residual).i32(rows).i32(cols).i32(gelu));
    }

    @Entry(module = "add_layernorm", name = "add_layernorm")
    void addLayerNorm(Grid g, CUdeviceptr sumOut, CUdeviceptr y, CUdeviceptr x, CUdeviceptr residual, CUdeviceptr gamma,
            CUdeviceptr beta, int rows, int cols, float eps) {
        launcher.launch("add_layernorm", "add_layernorm", g, new KernelArgs().ptr(sumOut).ptr(y).ptr(x).ptr(residual)
                .ptr(gamma).ptr(beta).i32(rows).i32(cols).f32(eps));
    }

    @Entry(module = "l2_normalize", name = "l2_normalize")
    void l2Normalize(Grid g, CUdeviceptr y, CUdeviceptr x, int rows, int cols) {
        launcher.launch("l2_normalize", "l2_normalize", g, new KernelArgs().ptr(y).ptr(x).i32(rows).i32(cols));
    }

    @Entry(module = "mean_rows", name = "mean_rows")
    void meanRows(Grid g, CUdeviceptr y, CUdeviceptr x, int rows, int cols) {
        launcher.launch("mean_rows", "mean_rows", g, new KernelArgs().ptr(y).ptr(x).i32(rows).i32(cols));
    }

    @Entry(module = "convert_bf16", name = "f32_to_bf16")
    void f32ToBf16(Grid g, CUdeviceptr y, CUdeviceptr x, long n) {
        launcher.launch("convert_bf16", "f32_to_bf16", g, new KernelArgs().ptr(y).ptr(x).i64(n));
    }

    @Entry(module = "convert_bf16", name = "f16_to_bf16")
    void f16ToBf16(Grid g, CUdeviceptr y, CUdeviceptr x, long n) {
        launcher.launch("convert_bf16", "f16_to_bf16", g, new KernelArgs().ptr(y).ptr(x).i64(n));
    }

    // ---- attention.cu ----

    @Entry(module = "attention", name = "attention")
    void attention(Grid g, CUdeviceptr out, CUdeviceptr q, CUdeviceptr k, CUdeviceptr v, CUdeviceptr keyBias, int nq,
            int nk, int heads, int d, float scale) {
        launcher.launch("attention", "attention", g, new KernelArgs().ptr(out).ptr(q).ptr(k).ptr(v).ptr(keyBias).i32(nq)
                .i32(nk).i32(heads).i32(d).f32(scale));
    }


    // ---- gemm.cu: C = A·Bᵀ (+ bias, GELU, + residual) ----

    @Entry(module = "gemm", name = "gemm_f32")
    void gemmF32(Grid g, CUdeviceptr c, CUdeviceptr a, CUdeviceptr b, CUdeviceptr bias, CUdeviceptr residual, int m,
            int n, int k, int gelu) {
        launcher.launch("gemm", "gemm_f32", g, gemmArgs(c, a, b, bias, residual, m, n, k, gelu));
    }

    @Entry(module = "gemm", name = "gemm_tf32")
    void gemmTf32(Grid g, CUdeviceptr c, CUdeviceptr a, CUdeviceptr b, CUdeviceptr bias, CUdeviceptr residual, int m,
            int n, int k, int gelu) {
        launcher.launch("gemm", "gemm_tf32", g, gemmArgs(c, a, b, bias, residual, m, n, k, gelu));
    }

    /** b: bfloat16 weights, widened exactly in the tile load; float32 FMA. */
    @Entry(module = "gemm", name = "gemm_f32_wbf16")
    void gemmF32WeightBf16(Grid g, CUdeviceptr c, CUdeviceptr a, CUdeviceptr b, CUdeviceptr bias, CUdeviceptr residual,
            int m, int n, int k, int gelu) {
        launcher.launch("gemm", "gemm_f32_wbf16", g, gemmArgs(c, a, b, bias, residual, m, n, k, gelu));
    }

    /** b: float16 weights, widened exactly in the tile load; float32 FMA. */
    @Entry(module = "gemm", name = "gemm_f32_wf16")
    void gemmF32WeightF16(Grid g, CUdeviceptr c, CUdeviceptr a, CUdeviceptr b, CUdeviceptr bias, CUdeviceptr residual,
            int m, int n, int k, int gelu) {
        launcher.launch("gemm", "gemm_f32_wf16", g, gemmArgs(c, a, b, bias, residual, m, n, k, gelu));
    }

    /** b: bfloat16 weights (exact in TF32). */
    @Entry(module = "gemm", name = "gemm_tf32_wbf16")
    void gemmTf32WeightBf16(Grid g, CUdeviceptr c, CUdeviceptr a, CUdeviceptr b, CUdeviceptr bias, CUdeviceptr residual,
            int m, int n, int k, int gelu) {
        launcher.launch("gemm", "gemm_tf32_wbf16", g, gemmArgs(c, a, b, bias, residual, m, n, k, gelu));
    }

    /** b: float16 weights (exact in TF32). */
    @Entry(module = "gemm", name = "gemm_tf32_wf16")
    void gemmTf32WeightF16(Grid g, CUdeviceptr c, CUdeviceptr a, CUdeviceptr b, CUdeviceptr bias, CUdeviceptr residual,
            int m, int n, int k, int gelu) {
        launcher.launch("gemm", "gemm_tf32_wf16", g, gemmArgs(c, a, b, bias, residual, m, n, k, gelu));
    }

    /** b: bfloat16 weights. */
    @Entry(module = "gemm", name = "gemm_bf16")
    void gemmBf16(Grid g, CUdeviceptr c, CUdeviceptr a, CUdeviceptr b, CUdeviceptr bias, CUdeviceptr residual, int m,
            int n, int k, int gelu) {
        launcher.launch("gemm", "gemm_bf16", g, gemmArgs(c, a, b, bias, residual, m, n, k, gelu));
    }

    private static KernelArgs gemmArgs(CUdeviceptr c, CUdeviceptr a, CUdeviceptr b, CUdeviceptr bias,
            CUdeviceptr residual, int m, int n, int k, int gelu) {
        return new KernelArgs().ptr(c).ptr(a).ptr(b).ptr(bias).ptr(residual).i32(m).i32(n).i32(k).i32(gelu);
    }

    // ---- Q-Perturbation: weighted_keys.cu, key_moments.cu, jacobi_eigen.cu, projectors.cu, query_perturbation.cu ----


    @Entry(module = "weighted_keys", name = "gather_weighted_keys")
    void gatherWeightedKeys(Grid g, CUdeviceptr f, CUdeviceptr k, CUdeviceptr index, CUdeviceptr compact,
            CUdeviceptr count, int tokens, int width) {
        launcher.launch("weighted_keys", "gather_weighted_keys", g, new KernelArgs().ptr(f).ptr(k).ptr(index)
                .ptr(compact).ptr(count).i32(tokens).i32(width));
    }

    @Entry(module = "key_moments", name = "key_moments")
    void keyMoments(Grid g, CUdeviceptr r, CUdeviceptr f, CUdeviceptr count, int tokens, int heads, int d) {
        launcher.launch("key_moments", "key_moments", g, new KernelArgs().ptr(r).ptr(f).ptr(count).i32(tokens)
                .i32(heads).i32(d));
    }

    @Entry(module = "key_moments", name = "key_gram")
    void keyGram(Grid g, CUdeviceptr gram, CUdeviceptr f, CUdeviceptr count, int tokens, int heads, int d, int m) {
        launcher.launch("key_moments", "key_gram", g, new KernelArgs().ptr(gram).ptr(f).ptr(count).i32(tokens)
                .i32(heads).i32(d).i32(m));
    }

    @Entry(module = "jacobi_eigen", name = "jacobi_eigen")
    void jacobiEigen(Grid g, CUdeviceptr values, CUdeviceptr vectors, CUdeviceptr work, CUdeviceptr matrices, int n,
            int maxSweeps) {
        launcher.launch("jacobi_eigen", "jacobi_eigen", g, new KernelArgs().ptr(values).ptr(vectors).ptr(work)
                .ptr(matrices).i32(n).i32(maxSweeps));
    }

    @Entry(module = "projectors", name = "gram_vectors")
    void gramVectors(Grid g, CUdeviceptr u, CUdeviceptr v, CUdeviceptr f, CUdeviceptr count, CUdeviceptr kept,
            int objects, int tokens, int heads, int d, int m, int reversed) {
        launcher.launch("projectors", "gram_vectors", g, new KernelArgs().ptr(u).ptr(v).ptr(f).ptr(count).ptr(kept)
                .i32(objects).i32(tokens).i32(heads).i32(d).i32(m).i32(reversed));
    }

    @Entry(module = "projectors", name = "accumulate_projectors")
    void accumulateProjectors(Grid g, CUdeviceptr p, CUdeviceptr basis, CUdeviceptr kept, CUdeviceptr scale,
            int objects, int heads, int d, int order, int reversed) {
        launcher.launch("projectors", "accumulate_projectors", g, new KernelArgs().ptr(p).ptr(basis).ptr(kept)
                .ptr(scale).i32(objects).i32(heads).i32(d).i32(order).i32(reversed));
    }

    @Entry(module = "projectors", name = "store_pbar")
    void storePbar(Grid g, CUdeviceptr out, CUdeviceptr p, int layer, int heads, int d) {
        launcher.launch("projectors", "store_pbar", g, new KernelArgs().ptr(out).ptr(p).i32(layer).i32(heads).i32(d));
    }

    @Entry(module = "query_perturbation", name = "perturb_heads")
    void perturbHeads(Grid g, CUdeviceptr y, CUdeviceptr q, CUdeviceptr pbar, int heads, int d, int rows) {
        launcher.launch("query_perturbation", "perturb_heads", g, new KernelArgs().ptr(y).ptr(q).ptr(pbar).i32(heads)
                .i32(d).i32(rows));
    }

    // ---- peak.cu: the card's measured peak per instruction ----

    @Entry(module = "peak", name = "peak_fma_f32")
    void peakFmaF32(Grid g, CUdeviceptr sink, int iters, int flag) {
        launcher.launch("peak", "peak_fma_f32", g, new KernelArgs().ptr(sink).i32(iters).i32(flag));
    }

    @Entry(module = "peak", name = "peak_mma_tf32")
    void peakMmaTf32(Grid g, CUdeviceptr sink, int iters, int flag) {
        launcher.launch("peak", "peak_mma_tf32", g, new KernelArgs().ptr(sink).i32(iters).i32(flag));
    }

    @Entry(module = "peak", name = "peak_mma_bf16")
    void peakMmaBf16(Grid g, CUdeviceptr sink, int iters, int flag) {
        launcher.launch("peak", "peak_mma_bf16", g, new KernelArgs().ptr(sink).i32(iters).i32(flag));
    }
}
