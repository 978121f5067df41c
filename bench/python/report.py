"""Merges the key=value lines of the qpert, PyTorch and BLAS runs plus JMH's JSON into the comparison table of
bench/compare-cpu.sh, and prints its closing summary line."""
import json
import math
import sys

VIT_SHAPES = ["257x1408x4224", "257x1408x6144", "257x6144x1408"]


def read_kv(path):
    out = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if "=" in line and not line.startswith("#"):
                k, v = line.split("=", 1)
                out[k] = float(v)
    return out


def main():
    qpert_path, torch_path, blas_path, jmh_path = sys.argv[1:5]
    qp, pt, blas = read_kv(qpert_path), read_kv(torch_path), read_kv(blas_path)
    with open(jmh_path) as f:
        jmh = json.load(f)
    print("\nMatrix products y = x.W^T (rows x in x out), GFLOP/s")
    print(f"| {'shape':<15} | {'qpert':>7} | {'numpy BLAS':>10} | {'ratio':>6} |")
    print(f"|{'-' * 17}|{'-' * 9}|{'-' * 12}|{'-' * 8}|")
    ratios = {}
    for b in jmh:
        shape = b["params"]["shape"]
        n, k, m = (int(v) for v in shape.split("x"))
        ms = b["primaryMetric"]["score"]
        gflops = 2.0 * n * k * m / (ms * 1e6)
        ref = blas.get("blas_" + shape)
        ratio = gflops / ref if ref else float("nan")
        ratios[shape] = ratio
        print(f"| {shape:<15} | {gflops:7.1f} | {ref if ref else float('nan'):10.1f} | {ratio:6.2f} |")
    vit_ratios = [ratios[s] for s in VIT_SHAPES if s in ratios and not math.isnan(ratios[s])]
    matmul_vs_blas = math.exp(sum(map(math.log, vit_ratios)) / len(vit_ratios)) if vit_ratios else float("nan")

    print("\nEnd to end, milliseconds (median), speedup = PyTorch / qpert")
    print(f"| {'step':<14} | {'qpert':>9} | {'PyTorch':>9} | {'speedup':>7} |")
    print(f"|{'-' * 16}|{'-' * 11}|{'-' * 11}|{'-' * 9}|")
    for key in sorted(qp, key=lambda k: (k.rstrip("_ms").rstrip("0123456789"), k)):
        if key in pt:
            print(f"| {key[:-3]:<14} | {qp[key]:9.1f} | {pt[key]:9.1f} | {pt[key] / qp[key]:7.2f} |")

    def speedup(key):
        return pt[key] / qp[key] if key in pt and key in qp else float("nan")

    print(f"vit_speedup={speedup('vit224_ms'):.2f} qformer_speedup={speedup('qformer224_ms'):.2f} "
          f"text20_ms={qp.get('text20_ms', float('nan')):.1f} matmul_vs_blas={matmul_vs_blas:.2f} "
          f"batch_speedup={qp.get('batch_speedup', float('nan')):.2f}")


if __name__ == "__main__":
    main()
