package org.qpert.kernels;

import org.qpert.core.backend.SymmetricEigen;

/** Eigenpairs of a batch of symmetric n×n matrices on the device, sorted as {@link SymmetricEigen} specifies; null when
 * the solver did not converge (cuSOLVER stops after a sweep limit). */
interface EigenSolver {
    SymmetricEigen solve(double[] matrices, int count, int n);
}
