#!/usr/bin/env bash
# Builds the PTX of every kernel in src/main/cuda for compute_80 and compute_90 with nvcc, plus a manifest of the
# sources' SHA-256 (the staleness test compares it with the sources) and the nvcc version.
# Usage: kernels/build-ptx.sh [OUTDIR]   (default: the committed resources, src/main/resources/org/qpert/kernels/ptx)
# The Maven build runs it into target/classes when nvcc is installed (profile "nvcc" in kernels/pom.xml).
# Nothing is rebuilt when OUTDIR's manifest already matches the sources and every PTX file is there.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$here/src/main/cuda"
out="${1:-$here/src/main/resources/org/qpert/kernels/ptx}"
nvcc="${NVCC:-nvcc}"
archs="80 90"
mkdir -p "$out"
manifest="$(cd "$src" && sha256sum -- *.cu *.cuh)"
up_to_date=1
[ -f "$out/sources.sha256" ] && [ "$manifest" = "$(cat "$out/sources.sha256")" ] || up_to_date=0
for arch in $archs; do
  for cu in "$src"/*.cu; do
    [ -f "$out/sm_$arch/$(basename "$cu" .cu).ptx" ] || up_to_date=0
  done
done
[ "$up_to_date" = 1 ] && exit 0
echo "build-ptx: compiling $(ls "$src"/*.cu | wc -l) kernels for compute_${archs// /, compute_} into $out"
for arch in $archs; do
  mkdir -p "$out/sm_$arch"
  for cu in "$src"/*.cu; do
    "$nvcc" --ptx -O3 -std=c++17 -arch="compute_$arch" -I "$src" -o "$out/sm_$arch/$(basename "$cu" .cu).ptx" "$cu"
  done
done
echo "$manifest" > "$out/sources.sha256"
"$nvcc" --version | grep -o 'release .*' > "$out/nvcc.version"
