package org.qpert.kernels;

import jcuda.Pointer;
import jcuda.Sizeof;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.JCudaDriver;
import jcuda.jcublas.cublasFillMode;
import jcuda.jcusolver.JCusolverDn;
import jcuda.jcusolver.cusolverDnHandle;
import jcuda.jcusolver.cusolverEigMode;
import jcuda.jcusolver.syevjInfo;
import jcuda.runtime.cudaStream_t;
import org.qpert.core.backend.SymmetricEigen;

/**
 * cuSOLVER's batched Jacobi (DsyevjBatched, double) for orders up to 32, its limit: the Gram matrices of small
 * objects. A symmetric matrix reads the same row- or column-major, and the eigenvectors come back as columns of a
 * column-major matrix, i.e. as rows of ours; cuSOLVER sorts ascending, so the order is reversed on the host.
 */
final class CusolverEigen implements EigenSolver {
    static final int MAX_ORDER = 32;
    private final CudaBackend backend;
    private final cusolverDnHandle handle = new cusolverDnHandle();
    private final syevjInfo params = new syevjInfo();

    CusolverEigen(CudaBackend backend) {
        this.backend = backend;
        JCusolverDn.cusolverDnCreate(handle);
        JCusolverDn.cusolverDnSetStream(handle, new cudaStream_t(backend.context().stream));
        JCusolverDn.cusolverDnCreateSyevjInfo(params);
        // off-diagonal norm relative to ‖A‖: eigenvalues then agree with the CPU Jacobi to ~1e-13 of λmax
        JCusolverDn.cusolverDnXsyevjSetTolerance(params, 1e-13);
        JCusolverDn.cusolverDnXsyevjSetMaxSweeps(params, 100);
        JCusolverDn.cusolverDnXsyevjSetSortEig(params, 1);
    }

    /** The eigenpairs, or null when some matrix did not converge. */
    @Override
    public synchronized SymmetricEigen solve(double[] matrices, int count, int n) {
        if (n > MAX_ORDER) {
            throw new IllegalArgumentException("syevjBatched solves matrices up to order " + MAX_ORDER + ", got " + n);
        }
        long matrixBytes = (long) count * n * n * Sizeof.DOUBLE;
        double[] ascending = new double[count * n];
        double[] columns = new double[count * n * n];
        int[] status = new int[count];
        try (DeviceScratch scratch = backend.scratch()) {
            CUdeviceptr a = scratch.upload(matrices);
            CUdeviceptr w = scratch.allocate((long) count * n * Sizeof.DOUBLE);
            CUdeviceptr info = scratch.allocate((long) count * Sizeof.INT);
            solveInPlace(a, w, info, count, n, scratch);
            backend.context().synchronize();
            JCudaDriver.cuMemcpyDtoH(Pointer.to(ascending), w, ascending.length * (long) Sizeof.DOUBLE);
            JCudaDriver.cuMemcpyDtoH(Pointer.to(columns), a, matrixBytes);
            JCudaDriver.cuMemcpyDtoH(Pointer.to(status), info, status.length * (long) Sizeof.INT);
        }
        for (int m = 0; m < count; m++) {
            if (status[m] != 0) {
                return null;  // did not converge within the sweeps: the caller solves the batch another way
            }
        }
        double[] values = new double[count * n];
        double[] vectors = new double[count * n * n];
        for (int m = 0; m < count; m++) {
            for (int i = 0; i < n; i++) {
                int src = n - 1 - i;
                values[m * n + i] = ascending[m * n + src];
                System.arraycopy(columns, (m * n + src) * n, vectors, (m * n + i) * n, n);
            }
        }
        return new SymmetricEigen(count, n, values, vectors);
    }

    /**
     * Queues DsyevjBatched on {@code count} matrices of order n at {@code a}: the eigenvectors overwrite them as columns
     * of column-major matrices (rows of ours), eigenvalues ascending into {@code w}, per-matrix status into
     * {@code info} (0: converged).
     */
    synchronized void solveInPlace(CUdeviceptr a, CUdeviceptr w, CUdeviceptr info, int count, int n,
            DeviceScratch scratch) {
        int mode = cusolverEigMode.CUSOLVER_EIG_MODE_VECTOR, fill = cublasFillMode.CUBLAS_FILL_MODE_LOWER;
        int[] lwork = {0};
        JCusolverDn.cusolverDnDsyevjBatched_bufferSize(handle, mode, fill, n, a, n, w, lwork, params, count);
        CUdeviceptr work = scratch.allocate(Math.max(1, lwork[0]) * (long) Sizeof.DOUBLE);
        JCusolverDn.cusolverDnDsyevjBatched(handle, mode, fill, n, a, n, w, work, lwork[0], info, params, count);
    }

    void close() {
        JCusolverDn.cusolverDnDestroySyevjInfo(params);
        JCusolverDn.cusolverDnDestroy(handle);
    }
}
