package org.qpert.kernels;

import java.util.ArrayList;
import java.util.List;

import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.JCudaDriver;
import org.qpert.core.backend.JacobiEigen;
import org.qpert.core.backend.MeanProjectors;
import org.qpert.core.backend.ProjectorProblem;
import org.qpert.core.backend.ProjectorProblem.CoveredTokens;
import org.qpert.core.backend.SymmetricEigen;
import org.qpert.core.backend.Tensor;
import org.qpert.kernels.Launcher.Grid;

/**
 * {@link org.qpert.core.backend.Backend#meanProjectors} on the device, step for step the host reference
 * ({@link org.qpert.core.backend.HostMeanProjectors}): per group of objects (second moment, then Gram), the covered
 * tokens are uploaded (a few ints per object), F = diag(w)·K gathered from the keys in device memory for every
 * perturbed layer (weighted_keys.cu), R = FᵀF or G = F Fᵀ summed in double (key_moments.cu), all (layer, object,
 * head) problems of the group decomposed in one batch (cuSOLVER syevjBatched up to order 32 when it loaded, our
 * Jacobi kernel up to 128), the Gram eigenvectors mapped back (u = Fᵀv/‖Fᵀv‖) and the kept projectors summed into P̄
 * in double (projectors.cu). Only the eigenvalues come to the host, where core's τ rule picks k; P̄ stays on the
 * device.
 */
final class DeviceMeanProjectors {
    private static final System.Logger LOG = System.getLogger(DeviceMeanProjectors.class.getName());
    private static final int THREADS = 256;

    private final CudaBackend backend;
    private final CusolverEigen cusolver;
    private final JacobiKernelEigen jacobi;

    DeviceMeanProjectors(CudaBackend backend, CusolverEigen cusolver, JacobiKernelEigen jacobi) {
        this.backend = backend;
        this.cusolver = cusolver;
        this.jacobi = jacobi;
    }

    MeanProjectors solve(ProjectorProblem problem) {
        int layers = problem.layers(), heads = problem.heads(), d = problem.headDim();
        List<CudaTensor> keys = new ArrayList<>();
        for (Tensor k : problem.keys()) {
            keys.add(backend.cuda(k, "perturbation keys"));
        }
        List<Integer> direct = new ArrayList<>(), gram = new ArrayList<>();
        for (int j = 0; j < problem.objects().size(); j++) {
            (problem.usesGram(problem.objects().get(j)) ? gram : direct).add(j);
        }
        int[][][] counts = new int[problem.objects().size()][layers][heads];
        CudaContext ctx = backend.context();
        ctx.enter();
        List<Tensor> pbar = new ArrayList<>();
        try (DeviceScratch scratch = backend.scratch()) {
            long sums = (long) layers * heads * d * d;
            CUdeviceptr p = scratch.allocate(sums * Sizeof.DOUBLE);
            JCudaDriver.cuMemsetD32Async(p, 0, 2 * sums, ctx.stream);
            group(problem, keys, direct, false, p, counts, scratch);
            group(problem, keys, gram, true, p, counts, scratch);
            for (int l = 0; l < layers; l++) {
                CudaTensor t = backend.allocate(heads * d, d);
                backend.kernels().storePbar(Grid.of((int) ((long) heads * d * d + THREADS - 1) / THREADS, THREADS),
                        t.ptr(), p, l, heads, d);
                pbar.add(t);
            }
        }
        return new MeanProjectors(pbar, counts);
    }

    /** Adds the projectors of the objects {@code members} (one kind of eigenproblem) to the sums {@code p}. */
    private void group(ProjectorProblem problem, List<CudaTensor> keys, List<Integer> members, boolean gram,
            CUdeviceptr p, int[][][] counts, DeviceScratch scratch) {
        if (members.isEmpty()) {
            return;
        }
        int layers = problem.layers(), heads = problem.heads(), d = problem.headDim(), tokens = problem.tokens();
        int width = heads * d, n = members.size(), problems = layers * n * heads;
        List<CoveredTokens> objects = members.stream().map(problem.objects()::get).toList();
        int order = gram ? objects.stream().mapToInt(CoveredTokens::count).max().orElseThrow() : d;
        Kernels kernels = backend.kernels();
        try (ObjectTokens covered = ObjectTokens.of(backend, objects, tokens)) {
            long fLayer = (long) n * tokens * width, aLayer = (long) n * heads * order * order;
            CUdeviceptr f = scratch.allocate(layers * fLayer * Sizeof.FLOAT);
            CUdeviceptr a = scratch.allocate(layers * aLayer * Sizeof.DOUBLE);
            for (int l = 0; l < layers; l++) {
                CUdeviceptr fl = f.withByteOffset(l * fLayer * Sizeof.FLOAT);
                CUdeviceptr al = a.withByteOffset(l * aLayer * Sizeof.DOUBLE);
                covered.gatherWeightedKeys(fl, keys.get(l));
                if (gram) {
                    kernels.keyGram(new Grid(n, heads, THREADS, 0), al, fl, covered.count, tokens, heads, d, order);
                } else {
                    kernels.keyMoments(new Grid(n, heads, THREADS, 32 * d * Sizeof.FLOAT), al, fl, covered.count,
                            tokens, heads, d);
                }
            }
            Eigen eig = eigen(a, problems, order, scratch);
            int[] kept = new int[problems];
            for (int q = 0; q < problems; q++) {
                int h = q % heads, j = q / heads % n, l = q / (heads * n);
                kept[q] = problem.basis().keep(eig.descendingValues, q * order, order);
                counts[members.get(j)][l][h] = kept[q];
            }
            double[] scale = new double[n];
            for (int j = 0; j < n; j++) {
                scale[j] = objects.get(j).weight() / problem.objects().size();
            }
            CUdeviceptr dKept = scratch.upload(kept), dScale = scratch.upload(scale);
            CUdeviceptr basis = eig.vectors;
            int reversed = eig.reversed ? 1 : 0;
            if (gram) {
                basis = scratch.allocate((long) problems * order * d * Sizeof.DOUBLE);
                kernels.gramVectors(Grid.of(problems, (d + 31) / 32 * 32), basis, eig.vectors, f, covered.count, dKept,
                        n, tokens, heads, d, order, reversed);
                reversed = 0;  // gram_vectors wrote them in kept order
            }
            kernels.accumulateProjectors(Grid.of(layers * heads, THREADS), p, basis, dKept, dScale, n, heads, d,
                    gram ? order : d, reversed);
        }
    }

    /** Eigenvectors as rows on the device (row order-1-i for eigenvector i when reversed), eigenvalues on the host. */
    private record Eigen(CUdeviceptr vectors, boolean reversed, double[] descendingValues) {
    }

    /**
     * The eigenpairs of {@code count} matrices of order n at {@code a}. The choice follows
     * {@link CudaBackend#symmetricEigen} (deliberately the same rule): cuSOLVER up to order 32 when it loaded, our
     * Jacobi kernel up to 128, the host beyond.
     */
    private Eigen eigen(CUdeviceptr a, int count, int n, DeviceScratch scratch) {
        CudaContext ctx = backend.context();
        long matrices = (long) count * n * n;
        if (cusolver != null && n <= CusolverEigen.MAX_ORDER) {
            CUdeviceptr vectors = scratch.allocate(matrices * Sizeof.DOUBLE);
            CUdeviceptr w = scratch.allocate((long) count * n * Sizeof.DOUBLE);
            CUdeviceptr info = scratch.allocate((long) count * Sizeof.INT);
            JCudaDriver.cuMemcpyDtoDAsync(vectors, a, matrices * Sizeof.DOUBLE, ctx.stream);  // syevj overwrites
            cusolver.solveInPlace(vectors, w, info, count, n, scratch);
            int[] status = new int[count];
            double[] ascending = new double[count * n];
            ctx.synchronize();
            JCudaDriver.cuMemcpyDtoH(Pointer.to(status), info, (long) count * Sizeof.INT);
            JCudaDriver.cuMemcpyDtoH(Pointer.to(ascending), w, (long) ascending.length * Sizeof.DOUBLE);
            if (java.util.Arrays.stream(status).allMatch(s -> s == 0)) {
                double[] descending = new double[ascending.length];
                for (int m = 0; m < count; m++) {
                    for (int i = 0; i < n; i++) {
                        descending[m * n + i] = ascending[m * n + n - 1 - i];
                    }
                }
                return new Eigen(vectors, true, descending);
            }
            LOG.log(System.Logger.Level.WARNING, "syevjBatched did not converge on a batch of " + count + " matrices of "
                    + "order " + n + "; solving it with the Jacobi kernel");
        }
        if (n <= JacobiKernelEigen.MAX_ORDER && JacobiKernelEigen.sharedBytes(n) <= ctx.maxSharedOptIn) {
            CUdeviceptr vectors = scratch.allocate(matrices * Sizeof.DOUBLE);
            CUdeviceptr values = scratch.allocate((long) count * n * Sizeof.DOUBLE);
            jacobi.solve(a, values, vectors, count, n, scratch);
            double[] descending = new double[count * n];
            ctx.synchronize();
            JCudaDriver.cuMemcpyDtoH(Pointer.to(descending), values, (long) descending.length * Sizeof.DOUBLE);
            return new Eigen(vectors, false, descending);
        }
        double[] host = new double[Math.toIntExact(matrices)];
        ctx.synchronize();
        JCudaDriver.cuMemcpyDtoH(Pointer.to(host), a, matrices * Sizeof.DOUBLE);
        SymmetricEigen e = JacobiEigen.solveBatch(host, count, n);
        return new Eigen(scratch.upload(e.vectors()), false, e.values());
    }
}
