#!/usr/bin/env bash
# OWLv2 detector on the CPU, qpert (Java) against a plain PyTorch script of the same computation, in one run:
# google/owlv2-base-patch16 sizes (width 768, 12 layers, 12 heads; 960 px -> 3601 tokens; text 512 x 12 layers),
# random weights, float32, the same thread count on both sides. Installs python3-torch with apt when missing.
# Ends with exactly one line: owlv2_image_speedup=X owlv2_query_speedup=Y (PyTorch time / qpert time).
# Environment: THREADS (default: all cores), RUNS (timed runs, default 3), SIZE (default 960), MVN_FLAGS (default -o),
#   QPERT_BENCH_HEAP (default 4g).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
cd "$root"
threads="${THREADS:-$(nproc)}"
runs="${RUNS:-3}"
size="${SIZE:-960}"
py=/usr/bin/python3
out="$root/bench/target/compare-owlv2"
mkdir -p "$out"

if ! "$py" -c 'import torch' 2>/dev/null; then
  echo "compare-owlv2: installing python3-torch with apt" >&2
  apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-torch >&2
fi

echo "compare-owlv2: building bench/target/benchmarks.jar ..." >&2
mvn -q -B ${MVN_FLAGS:--o} -pl bench -am -DskipTests package >&2
jvm=(-Xmx"${QPERT_BENCH_HEAP:-4g}" -XX:+UseParallelGC --add-modules jdk.incubator.vector -Dqpert.threads="$threads")

echo "compare-owlv2: qpert ..." >&2
java "${jvm[@]}" -cp "$root/bench/target/benchmarks.jar" org.qpert.bench.Owlv2Bench "$runs" "$size" 2>/dev/null \
  | tee "$out/qpert.txt" >&2
echo "compare-owlv2: PyTorch ..." >&2
"$py" "$here/python/torch_owlv2.py" --threads "$threads" --runs "$runs" --size "$size" | tee "$out/torch.txt" >&2

echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $(java -version 2>&1 | head -1); $(grep -m1 '^# backend' "$out/qpert.txt" | cut -c3-)"
echo "# $(grep -m1 '^# torch' "$out/torch.txt" | cut -c3-)"
"$py" - "$out/qpert.txt" "$out/torch.txt" "$size" <<'PY'
import sys
def read(path):
    return {k: float(v) for k, v in (l.strip().split("=") for l in open(path) if "=" in l and not l.startswith("#"))}
q, t, s = read(sys.argv[1]), read(sys.argv[2]), sys.argv[3]
img, qry = f"owlv2_image{s}_ms", "owlv2_query16_ms"
for k in (img, qry):
    print(f"{k}: qpert {q[k]:.1f} ms, PyTorch {t[k]:.1f} ms")
print(f"owlv2_image_speedup={t[img] / q[img]:.2f} owlv2_query_speedup={t[qry] / q[qry]:.2f}")
PY
