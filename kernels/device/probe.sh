#!/bin/bash
# Probe a GPU machine before running anything heavy: what is there to run qpert's GPU path on.
# Usage (on the GPU machine): bash probe.sh [OUTDIR]   -- prints a summary and writes OUTDIR/probe.txt
# Copied from the shared probe; here it also reports the packed runtime next to it, and searches /usr /opt /lib*
# rather than all of / (a PyTorch machine has millions of files). Exits 0 on a machine without a GPU.
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out=${1:-.}; mkdir -p "$out"
{
echo "== date"; date -u
echo "== cpu/mem"; nproc; free -g | head -2
echo "== gpu"; nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1 | head -3
nvidia-smi 2>&1 | grep -i "cuda version" | head -1
echo "== java"; (command -v java && java -version) 2>&1 | head -3 || echo "no java on PATH"
if [ -x "$here/runtime/bin/java" ]; then echo "packed runtime:"; "$here/runtime/bin/java" -version 2>&1 | head -2; fi
ls -d /usr/lib/jvm/* 2>/dev/null | head
echo "== nvcc"; (command -v nvcc && nvcc --version | tail -2) 2>&1 | head -3
echo "== CUDA libraries the JCuda natives may need (sonames found)"
for lib in libcuda.so.1 libcublas.so libcublasLt.so libcusolver.so libcusolverMg.so libnvrtc.so libcudart.so; do
  found=$(ldconfig -p 2>/dev/null | grep -o "$lib[.0-9]*" | sort -u | tr '\n' ' ')
  extra=$(find /usr /opt /lib /lib64 -xdev -name "$lib*" 2>/dev/null | grep -v -E '/proc/|\.py' | head -4 | tr '\n' ' ')
  echo "$lib: ldconfig [${found}] files [${extra}]"
done
echo "== python torch"; python3 -c "import torch, transformers; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'transformers', transformers.__version__, torch.cuda.get_device_name(0))" 2>&1 | tail -1
} 2>&1 | tee "$out/probe.txt"
exit 0
