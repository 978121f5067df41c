package org.qpert.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.qpert.core.backend.JacobiEigen;
import org.qpert.core.backend.SymmetricEigen;
import org.qpert.core.backend.TridiagonalEigen;

/**
 * The CPU eigensolver choice for Q-Perturbation: 72 symmetric problems (one object × 6 layers × 12 heads) of order
 * n, built like the real ones: R = FᵀF of n weighted key rows (n = 64: a large object's d × d second moment; 8 and
 * 32: Gram matrices of small objects), keys Gaussian with a common offset so the spectrum has one dominant value.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class EigenSolverBenchmark {
    static final int PROBLEMS = 72;

    @Param({"8", "32", "64"})
    int n;

    double[] matrices;

    @Setup
    public void setUp() {
        matrices = secondMoments(new Random(7), PROBLEMS, n, 200);
    }

    /** count matrices of order n, each FᵀF of `rows` random key rows of width n. */
    static double[] secondMoments(Random random, int count, int n, int rows) {
        double[] m = new double[count * n * n];
        double[] f = new double[n];
        for (int p = 0; p < count; p++) {
            for (int t = 0; t < rows; t++) {
                double w = random.nextDouble();
                for (int c = 0; c < n; c++) {
                    f[c] = w * (random.nextGaussian() + 0.5);
                }
                for (int a = 0; a < n; a++) {
                    for (int b = 0; b < n; b++) {
                        m[p * n * n + a * n + b] += f[a] * f[b];
                    }
                }
            }
        }
        return m;
    }

    @Benchmark
    public SymmetricEigen jacobi() {
        return JacobiEigen.solveBatch(matrices, PROBLEMS, n);
    }

    @Benchmark
    public SymmetricEigen tridiagonalQl() {
        return TridiagonalEigen.solveBatch(matrices, PROBLEMS, n);
    }

    @Benchmark
    public double commonsMath() {
        double sink = 0;
        double[][] a = new double[n][n];
        for (int p = 0; p < PROBLEMS; p++) {
            for (int r = 0; r < n; r++) {
                System.arraycopy(matrices, p * n * n + r * n, a[r], 0, n);
            }
            EigenDecomposition eig = new EigenDecomposition(new Array2DRowRealMatrix(a, false));
            sink += eig.getRealEigenvalue(0) + eig.getEigenvector(0).getEntry(0);
        }
        return sink;
    }
}
