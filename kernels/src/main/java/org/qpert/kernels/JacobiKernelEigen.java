package org.qpert.kernels;

import java.lang.ref.Reference;

import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.JCudaDriver;
import org.qpert.core.backend.SymmetricEigen;

/** Our batched two-sided Jacobi kernel (jacobi_eigen.cu): one block per matrix, the matrix in shared memory. */
final class JacobiKernelEigen implements EigenSolver {
    static final int MAX_ORDER = 128;
    private static final int MAX_SWEEPS = 60;  // as the CPU reference
    private final CudaBackend backend;

    JacobiKernelEigen(CudaBackend backend) {
        this.backend = backend;
    }

    static int sharedBytes(int n) {
        return (n * n + 2 * (n / 2 + 1)) * Sizeof.DOUBLE;
    }

    @Override
    public SymmetricEigen solve(double[] matrices, int count, int n) {
        if (n > MAX_ORDER) {
            throw new IllegalArgumentException("the Jacobi kernel solves matrices up to order " + MAX_ORDER + ", got " + n);
        }
        CudaContext ctx = backend.context();
        Object scope = new Object();  // owns the temporary buffers until the results are copied back
        long matrixBytes = (long) count * n * n * Sizeof.DOUBLE;
        CUdeviceptr a = backend.allocator().allocate(scope, matrixBytes);
        CUdeviceptr work = backend.allocator().allocate(scope, matrixBytes);
        CUdeviceptr vectors = backend.allocator().allocate(scope, matrixBytes);
        CUdeviceptr values = backend.allocator().allocate(scope, (long) count * n * Sizeof.DOUBLE);
        JCudaDriver.cuMemcpyHtoD(a, Pointer.to(matrices), matrixBytes);
        int shared = sharedBytes(n);
        ctx.allowSharedMemory(ctx.function("jacobi_eigen", "jacobi_eigen"), "jacobi_eigen", shared);
        ctx.launch("jacobi_eigen", "jacobi_eigen", count, 1, n <= 64 ? 256 : 512, shared, values, vectors, work, a, n,
                MAX_SWEEPS);
        double[] vals = new double[count * n];
        double[] vecs = new double[count * n * n];
        ctx.synchronize();
        JCudaDriver.cuMemcpyDtoH(Pointer.to(vals), values, vals.length * (long) Sizeof.DOUBLE);
        JCudaDriver.cuMemcpyDtoH(Pointer.to(vecs), vectors, matrixBytes);
        Reference.reachabilityFence(scope);
        return new SymmetricEigen(count, n, vals, vecs);
    }
}
