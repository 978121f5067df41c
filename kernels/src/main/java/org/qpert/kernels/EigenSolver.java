package org.qpert.kernels;

import org.qpert.core.backend.SymmetricEigen;

/** Eigenpairs of a batch of symmetric n×n matrices on the device, sorted as {@link SymmetricEigen} specifies. */
interface EigenSolver {
    SymmetricEigen solve(double[] matrices, int count, int n);
}
