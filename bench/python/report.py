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
    extra = {}  # StartupBench, OrtBench, PerturbationCpuTime share (and batch_speedup when a bench prints it)
    for path in sys.argv[5:]:
        extra.update(read_kv(path))
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
        if key in pt and key.endswith("_ms"):
            print(f"| {key[:-3]:<14} | {qp[key]:9.1f} | {pt[key]:9.1f} | {pt[key] / qp[key]:7.2f} |")

    def speedup(key):
        return pt[key] / qp[key] if key in pt and key in qp else float("nan")

    nan = float("nan")
    # ONNX Runtime (OrtBench): one ViT-g layer (x 39 = the ViT), the Q-Former image pass, the 20-token text pass.
    ort = extra.get("ort_vit224_ms") or 39 * extra.get("ort_layer_ms", nan)
    ort_steps = [("vit224_ms", ort, "ViT-g 224 (39 x one layer)"), ("qformer224_ms", extra.get("ort_qformer_ms", nan),
                 "Q-Former image pass"), ("text20_ms", extra.get("ort_text20_ms", nan), "text, 20 tokens")]

    def vs_ort(key, ort_ms):
        return qp[key] / ort_ms if key in qp and ort_ms == ort_ms else nan

    if any(ms == ms for _, ms, _ in ort_steps):
        print("\nAgainst ONNX Runtime, milliseconds (median), ratio = qpert / ONNX Runtime (below 1: qpert faster)")
        print(f"| {'step':<26} | {'qpert':>9} | {'ORT':>9} | {'ratio':>6} |")
        print(f"|{'-' * 28}|{'-' * 11}|{'-' * 11}|{'-' * 8}|")
        for key, ms, label in ort_steps:
            print(f"| {label:<26} | {qp.get(key, nan):9.1f} | {ms:9.1f} | {vs_ort(key, ms):6.2f} |")
    vit_vs_ort = vs_ort("vit224_ms", ort)
    print(f"vit_speedup={speedup('vit224_ms'):.2f} qformer_speedup={speedup('qformer224_ms'):.2f} "
          f"text20_ms={qp.get('text20_ms', nan):.1f} matmul_vs_blas={matmul_vs_blas:.2f} "
          f"weights_mb={extra.get('weights_mb', nan):.0f} pbar_share={extra.get('pbar_share', nan):.3f} "
          f"load_s={extra.get('load_s', nan):.2f} vit_vs_ort={vit_vs_ort:.2f} "
          f"vit_spread={qp.get('vit224_spread', nan):.3f} batch_speedup={qp.get('batch_speedup', extra.get('batch_speedup', nan)):.2f} "
          f"qformer_vs_ort={vs_ort('qformer224_ms', ort_steps[1][1]):.2f} "
          f"text_vs_ort={vs_ort('text20_ms', ort_steps[2][1]):.2f}")


if __name__ == "__main__":
    main()
