#!/usr/bin/env bash
# Builds the PTX of every kernel in src/main/cuda for compute_80 with nvcc, plus a manifest of the sources' SHA-256
# (the staleness test compares it with the sources) and the nvcc version.
# Usage: kernels/build-ptx.sh [OUTDIR]   (default: the committed resources, src/main/resources/org/qpert/kernels/ptx)
# The Maven build runs it into target/classes when nvcc is installed (profile "nvcc" in kernels/pom.xml).
# Nothing is rebuilt when OUTDIR's manifest already matches the sources (and this script) and every PTX file is there.
#
# One target: the driver JIT-compiles compute_80 PTX for whatever device loads it (sm_86, sm_89, sm_90 and newer). A
# compute_90 build of these kernels differed from it only in .target and in gemm.cu's bfloat16 widening
# (cvt.f32.bf16 instead of mov.b32 {0, h}, the same exact value), so it is not shipped.
#
# PTX ISA: nvcc 13 writes ".version 9.0", which only r580+ drivers (CUDA 13) JIT-compile. The kernels use nothing
# newer than ISA 7.0 (mma.sync on TF32/BF16), so the header is lowered to PTX_ISA = 8.0, the ISA of CUDA 12.0: every
# CUDA 12.x driver (r525+) loads it. ptxas checks each instruction against the declared version ("Feature '.tf32'
# requires PTX ISA .version 7.0"), so every rewritten file is assembled with the toolkit's ptxas; a kernel that starts
# needing a newer ISA fails the build here rather than at a user's load.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$here/src/main/cuda"
out="${1:-$here/src/main/resources/org/qpert/kernels/ptx}"
nvcc="${NVCC:-nvcc}"
ptxas="$(dirname "$(command -v "$nvcc")")/ptxas"
arch="80"
ptx_isa="8.0"
mkdir -p "$out"
manifest="$(cd "$src" && sha256sum -- *.cu *.cuh; cd "$here" && sha256sum -- build-ptx.sh)"
up_to_date=1
[ -f "$out/sources.sha256" ] && [ "$manifest" = "$(cat "$out/sources.sha256")" ] || up_to_date=0
for cu in "$src"/*.cu; do
  [ -f "$out/$(basename "$cu" .cu).ptx" ] || up_to_date=0
done
[ "$up_to_date" = 1 ] && exit 0
echo "build-ptx: compiling $(ls "$src"/*.cu | wc -l) kernels for compute_$arch (PTX ISA $ptx_isa) into $out"
rm -f "$out"/*.ptx  # a removed kernel leaves no PTX behind
for cu in "$src"/*.cu; do
  ptx="$out/$(basename "$cu" .cu).ptx"
  "$nvcc" --ptx -O3 -std=c++17 -arch="compute_$arch" -I "$src" -o "$ptx" "$cu"
  grep -q '^\.version [0-9]*\.[0-9]*$' "$ptx" || { echo "build-ptx: no .version line in $ptx" >&2; exit 1; }
  sed -i "s/^\.version [0-9]*\.[0-9]*$/.version $ptx_isa/" "$ptx"
  "$ptxas" -arch="sm_$arch" -o /dev/null "$ptx" || {
    echo "build-ptx: $ptx does not assemble as PTX ISA $ptx_isa (see ptxas above)" >&2
    exit 1
  }
done
echo "$manifest" > "$out/sources.sha256"
"$nvcc" --version | grep -o 'release .*' > "$out/nvcc.version"
