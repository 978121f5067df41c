#!/usr/bin/env bash
# Builds the PTX of every kernel in src/main/cuda for compute_80 and compute_90 with nvcc, plus a manifest of the
# sources' SHA-256 (the staleness test compares it with the sources) and the nvcc version.
# Usage: kernels/build-ptx.sh [OUTDIR]   (default: the committed resources, src/main/resources/org/qpert/kernels/ptx)
# The Maven build runs it into target/classes when nvcc is installed (profile "nvcc" in kernels/pom.xml).
# Only outputs older than their sources are rebuilt.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$here/src/main/cuda"
out="${1:-$here/src/main/resources/org/qpert/kernels/ptx}"
nvcc="${NVCC:-nvcc}"
archs="80 90"
mkdir -p "$out"
for arch in $archs; do
  mkdir -p "$out/sm_$arch"
  for cu in "$src"/*.cu; do
    name="$(basename "$cu" .cu)"
    ptx="$out/sm_$arch/$name.ptx"
    if [ -f "$ptx" ] && [ -z "$(find "$cu" "$src"/*.cuh -newer "$ptx" -print -quit)" ]; then
      continue
    fi
    "$nvcc" --ptx -O3 -std=c++17 -arch="compute_$arch" -I "$src" -o "$ptx" "$cu"
  done
done
(cd "$src" && sha256sum -- *.cu *.cuh) > "$out/sources.sha256"
"$nvcc" --version | grep -o 'release .*' > "$out/nvcc.version"
