#!/usr/bin/env bash
# Runs on the GPU machine from the packed folder (made by kernels/device/pack.sh), e.g. from the repo root:
#   bash .device/run.sh OUTDIR [--quick]
# 1. probe (OUTDIR/probe.txt): java, nvidia-smi, driver/CUDA version, which libcublas/libcusolver sonames exist;
# 2. the kernels module's tests with the JUnit console launcher (OUTDIR/tests.log, JUnit XML in OUTDIR/junit/);
# 3. the GPU benchmarks (OUTDIR/bench.log). --quick shortens the benchmarks.
# CUDA 12 cuBLAS/cuSOLVER libraries found under /usr, /opt or Python's site-packages (PyTorch's nvidia-* wheels) go on
# LD_LIBRARY_PATH so that JCublas2/JCusolver can load; without them the backend uses its own kernels and says so.
# Exit status: the tests' (the benchmarks run either way).
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${1:?usage: run.sh OUTDIR [--quick]}"
shift
mkdir -p "$out"
out="$(cd "$out" && pwd)"
java="$here/runtime/bin/java"

bash "$here/probe.sh" "$out" > /dev/null 2>&1 || true
cat "$out/probe.txt"

sitedirs=$(python3 -c 'import site; print(" ".join(site.getsitepackages()))' 2>/dev/null || true)
# shellcheck disable=SC2086  # sitedirs is a list of paths
libdirs=$(find /usr /opt $sitedirs -xdev \( -name 'libcublas.so.12' -o -name 'libcusolver.so.11' \
  -o -name 'libcusolverMg.so.11' -o -name 'libcublasLt.so.12' \) -printf '%h\n' 2>/dev/null | sort -u | tr '\n' ':')
export LD_LIBRARY_PATH="${libdirs}${LD_LIBRARY_PATH:-}"
echo "== LD_LIBRARY_PATH for JCublas2/JCusolver: ${LD_LIBRARY_PATH:-(empty)}" | tee -a "$out/probe.txt"

cp="$(ls "$here"/lib/*.jar | tr '\n' ':')$here/test-classes"
tmp="$(mktemp -d)"  # JCuda extracts its natives here; kept out of OUTDIR, which travels back
trap 'rm -rf "$tmp"' EXIT
jvm=(--add-modules jdk.incubator.vector -Xmx24g -Djava.io.tmpdir="$tmp"
  -Djava.util.logging.SimpleFormatter.format='%1$tT %4$s %3$s: %5$s%6$s%n')

echo "== tests"
(cd "$here/kernels" && "$java" "${jvm[@]}" -jar "$here"/junit/junit-platform-console-standalone-*.jar execute \
  --class-path "$cp" --select-package org.qpert.kernels --reports-dir "$out/junit" --details tree \
  --disable-banner) 2>&1 | tee "$out/tests.log"
tests=${PIPESTATUS[0]}

echo "== benchmarks"
"$java" "${jvm[@]}" -cp "$cp" org.qpert.bench.GpuBenchmark "$@" 2>&1 | tee "$out/bench.log"
echo "== done: tests exit $tests; logs in $out"
exit "$tests"
