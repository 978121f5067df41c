package org.qpert.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Random;
import java.util.function.Supplier;
import org.qpert.core.backend.JacobiEigen;
import org.qpert.core.backend.TridiagonalEigen;

/**
 * The solvers of {@link EigenSolverBenchmark}, timed by the thread's CPU time (not wall time) and interleaved, best
 * of several rounds: a fair comparison on a machine shared with other jobs, where JMH's wall-clock figures swing by
 * a factor of several. Run: {@code java -cp ... org.qpert.bench.EigenSolverCpuTime}.
 */
public final class EigenSolverCpuTime {
    private EigenSolverCpuTime() {
    }

    public static void main(String[] args) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        int problems = EigenSolverBenchmark.PROBLEMS;
        System.out.printf("%-6s %14s %14s %14s   (ms CPU per %d problems, best of 7 rounds)%n", "order", "jacobi",
                "tridiagonalQl", "commonsMath", problems);
        for (int n : new int[] {8, 32, 64}) {
            EigenSolverBenchmark b = new EigenSolverBenchmark();
            b.n = n;
            b.matrices = EigenSolverBenchmark.secondMoments(new Random(7), problems, n, 200);
            double[] best = {Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE};
            Supplier<?>[] solvers = {
                () -> JacobiEigen.solveBatch(b.matrices, problems, n),
                () -> TridiagonalEigen.solveBatch(b.matrices, problems, n),
                b::commonsMath};
            for (int round = 0; round < 10; round++) {
                for (int s = 0; s < solvers.length; s++) {
                    long t0 = mx.getCurrentThreadCpuTime();
                    solvers[s].get();
                    double ms = (mx.getCurrentThreadCpuTime() - t0) / 1e6;
                    if (round >= 3) { // the first rounds warm up the JIT
                        best[s] = Math.min(best[s], ms);
                    }
                }
            }
            System.out.printf("%-6d %14.2f %14.2f %14.2f%n", n, best[0], best[1], best[2]);
        }
    }
}
