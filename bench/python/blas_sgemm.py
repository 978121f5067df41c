"""numpy float32 x @ w.T (sgemm through numpy's BLAS) at the given 'rows x in x out' shapes, as GFLOP/s.
Prints 'blas_<shape>=<GFLOP/s>' lines (median of timed repetitions). Threads: OPENBLAS_NUM_THREADS."""
import statistics
import sys
import time

import numpy as np


def main():
    rng = np.random.default_rng(42)
    for shape in sys.argv[1:]:
        n, k, m = (int(v) for v in shape.split("x"))
        x = rng.uniform(-1, 1, (n, k)).astype(np.float32)
        w = rng.uniform(-0.05, 0.05, (m, k)).astype(np.float32)
        y = np.empty((n, m), dtype=np.float32)
        flops = 2.0 * n * k * m
        reps = max(1, int(2e9 / flops))
        for _ in range(3):
            np.matmul(x, w.T, out=y)
        rates = []
        for _ in range(7):
            t = time.perf_counter()
            for _ in range(reps):
                np.matmul(x, w.T, out=y)
            rates.append(flops * reps / (time.perf_counter() - t) / 1e9)
        print(f"blas_{shape}={statistics.median(rates):.1f}", flush=True)


if __name__ == "__main__":
    main()
