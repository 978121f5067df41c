package org.qpert.kernels;

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
        long matrixBytes = (long) count * n * n * Sizeof.DOUBLE;
        try (DeviceScratch scratch = backend.scratch()) {
            CUdeviceptr a = scratch.upload(matrices);
            CUdeviceptr vectors = scratch.allocate(matrixBytes);
            CUdeviceptr values = scratch.allocate((long) count * n * Sizeof.DOUBLE);
            solve(a, values, vectors, count, n, scratch);
            double[] vals = new double[count * n];
            double[] vecs = new double[count * n * n];
            backend.context().synchronize();
            JCudaDriver.cuMemcpyDtoH(Pointer.to(vals), values, vals.length * (long) Sizeof.DOUBLE);
            JCudaDriver.cuMemcpyDtoH(Pointer.to(vecs), vectors, matrixBytes);
            return new SymmetricEigen(count, n, vals, vecs);
        }
    }

    /**
     * Queues the decomposition of {@code count} matrices of order n at {@code a} (row-major, left as they are):
     * eigenvalues descending into {@code values} [count, n], eigenvectors as rows into {@code vectors} [count, n, n].
     */
    void solve(CUdeviceptr a, CUdeviceptr values, CUdeviceptr vectors, int count, int n, DeviceScratch scratch) {
        if (n > MAX_ORDER) {
            throw new IllegalArgumentException("the Jacobi kernel solves matrices up to order " + MAX_ORDER + ", got " + n);
        }
        CUdeviceptr work = scratch.allocate((long) count * n * n * Sizeof.DOUBLE);
        backend.kernels().jacobiEigen(new Launcher.Grid(count, 1, n <= 64 ? 256 : 512, sharedBytes(n)), values, vectors,
                work, a, n, MAX_SWEEPS);
    }
}
