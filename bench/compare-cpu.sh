#!/usr/bin/env bash
# Side-by-side CPU comparison on this machine, all in one run (ratios are what to trust on a shared machine):
#   1. JMH: qpert's matrix product at the BLIP-2 shapes, and numpy's sgemm (its BLAS, OpenBLAS from Debian) at the same
#      shapes;
#   2. end to end at the real blip2-itm-vit-g sizes with random weights: ViT-g image (224 and 364 px), Q-Former image
#      pass, text embedding of 20 and 35 tokens, qpert (Java) and then a plain PyTorch script of the same computation;
#   3. qpert's gallery embedding (ViT-g 224, P̄ of two boxes, ITC with and without it) in batches of BATCH_IMAGES
#      against one image at a time (GalleryBatchBench).
#   4. start-up from a real-size BF16 checkpoint (written once to /tmp/qpert-bench, then from a warm page cache),
#      P̄'s share of a Q-Former pass;
#   5. ONNX Runtime (Java API, OrtBench) on three graphs the PyTorch script exports once (--onnx, into
#      CHECKPOINT_DIR/onnx) from the same code it times: one ViT-g layer, the Q-Former image pass (from the
#      cross-attention keys and values, as qpert's qformer224 step) and the 20-token text pass; each is first checked
#      against PyTorch's output on the same input (the run stops if they differ).
# Same thread count everywhere (THREADS, default: all cores). Installs python3-torch and OpenBLAS with apt when missing.
# Ends with exactly one line: vit_speedup=X qformer_speedup=Y text20_ms=Z matmul_vs_blas=W weights_mb=M pbar_share=P
#   load_s=L vit_vs_ort=O vit_spread=S batch_speedup=B qformer_vs_ort=Q text_vs_ort=T
#   (speedup = PyTorch time / qpert time at 224 px; matmul_vs_blas = geometric mean of qpert/BLAS GFLOP/s over the
#   three ViT-g shapes; weights_mb = heap held by the loaded BF16 model; pbar_share = P̄ build for 4 small boxes over a
#   Q-Former image pass at T=257, CPU time; load_s = open + load + first 20-token text embedding; vit_vs_ort = qpert
#   ViT-g 224 / 39 ONNX Runtime layers; vit_spread = slowest / fastest of the ViT-g runs; batch_speedup = batched /
#   one-at-a-time gallery embedding in images/s, GalleryBatchBench; qformer_vs_ort = qpert Q-Former image pass at 224
#   px / ONNX Runtime's; text_vs_ort = qpert 20-token text embedding / ONNX Runtime's; all times medians).
# Environment: THREADS, RUNS (timed runs per end-to-end step, default 3), SIZES (default "224 364"),
#   BATCH_IMAGES (default 8), MVN_FLAGS (default -o), QPERT_BENCH_HEAP (default 10g), CHECKPOINT_DIR (default
#   /tmp/qpert-bench).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
cd "$root"
threads="${THREADS:-$(nproc)}"
runs="${RUNS:-5}"
sizes="${SIZES:-224 364}"
py=/usr/bin/python3
out="$root/bench/target/compare"
mkdir -p "$out"

apt_install() {
  echo "compare-cpu: installing $* with apt" >&2
  apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >&2
}
"$py" -c 'import torch' 2>/dev/null || apt_install python3-torch
"$py" -c 'import onnx' 2>/dev/null || apt_install python3-onnx  # torch.onnx.export needs it
[ -e /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 ] || apt_install libopenblas0-pthread

echo "compare-cpu: building bench/target/benchmarks.jar ..." >&2
mvn -q -B ${MVN_FLAGS:--o} -pl bench -am -DskipTests package >&2
cp="$root/bench/target/benchmarks.jar"
# ParallelGC: the 4.6 GB of packed weights sit in the old generation; G1 would keep re-marking them.
jvm=(-Xmx"${QPERT_BENCH_HEAP:-10g}" -XX:+UseParallelGC --add-modules jdk.incubator.vector -Dqpert.threads="$threads")

shapes="257x1408x4224 257x1408x6144 257x6144x1408 257x1408x768 32x768x768 32x768x3072 20x768x768 20x768x3072"
echo "compare-cpu: JMH matrix products, $threads threads ..." >&2
java "${jvm[@]}" -Djmh.ignoreLock=true -cp "$cp" org.openjdk.jmh.Main MatMulBenchmark -f 1 -wi 3 -w 1s -i 5 -r 1s \
  -jvmArgs "${jvm[*]}" -rf json -rff "$out/jmh.json" > "$out/jmh.txt" 2>&1 || { cat "$out/jmh.txt" >&2; exit 1; }

echo "compare-cpu: numpy sgemm ..." >&2
# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE may be pinned in this environment; let OpenBLAS pick its own kernel here.
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS="$threads" OPENBLAS_VERBOSE=2 \
  "$py" "$here/python/blas_sgemm.py" $shapes > "$out/blas.txt" 2> "$out/blas.err"
blas_kernel="$(grep -m1 -o 'Core: .*' "$out/blas.err" || echo 'not OpenBLAS (no Core line)')"

echo "compare-cpu: qpert end to end ..." >&2
java "${jvm[@]}" -cp "$cp" org.qpert.bench.EndToEndBench "$runs" $sizes 2>/dev/null | tee "$out/qpert.txt" >&2

echo "compare-cpu: qpert gallery embedding, batches of ${BATCH_IMAGES:-8} against one at a time ..." >&2
java "${jvm[@]}" -cp "$cp" org.qpert.bench.GalleryBatchBench "${BATCH_IMAGES:-8}" "$runs" 39 2>/dev/null \
  | tee -a "$out/qpert.txt" >&2

echo "compare-cpu: PyTorch end to end ..." >&2
"$py" "$here/python/torch_blip2.py" --threads "$threads" --runs "$runs" --sizes $sizes | tee "$out/torch.txt" >&2

ckpt="${CHECKPOINT_DIR:-/tmp/qpert-bench}"
mkdir -p "$ckpt"
echo "compare-cpu: start-up from a BF16 checkpoint ..." >&2
[ -f "$ckpt/blip2-bf16.safetensors" ] || java "${jvm[@]}" -cp "$cp" org.qpert.bench.StartupBench \
  "$ckpt/blip2-bf16.safetensors" > /dev/null 2>&1  # first run writes it; the timed run below reads a warm cache
java "${jvm[@]}" -cp "$cp" org.qpert.bench.StartupBench "$ckpt/blip2-bf16.safetensors" 2>/dev/null \
  | tee "$out/startup.txt" >&2

echo "compare-cpu: P̄ share ..." >&2
java "${jvm[@]}" -cp "$cp" org.qpert.bench.PerturbationCpuTime share 2>/dev/null | tee "$out/pbar.txt" >&2

echo "compare-cpu: ONNX Runtime: one ViT-g layer, Q-Former image pass, 20-token text ..." >&2
onnx="$ckpt/onnx"
[ -f "$onnx/text20.out.bin" ] || "$py" "$here/python/torch_blip2.py" --threads "$threads" --onnx "$onnx" >&2
: > "$out/ort.txt"
for m in vit_layer:ort_layer:10 qformer_image:ort_qformer:"$runs" text20:ort_text20:"$(( runs > 20 ? runs : 20 ))"; do
  IFS=: read -r name key n <<< "$m"  # runs as qpert's step: text at least 20
  java -cp "$cp" org.qpert.bench.OrtBench "$onnx/$name.onnx" "$key" "$threads" "$n" 2>/dev/null \
    | tee -a "$out/ort.txt" >&2
done

echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $(java -version 2>&1 | head -1); $(grep -m1 '^# backend' "$out/qpert.txt" | cut -c3-)"
echo "# $(grep -m1 '^# torch' "$out/torch.txt" | cut -c3-); numpy BLAS: OpenBLAS $blas_kernel, $threads threads"
"$py" "$here/python/report.py" "$out/qpert.txt" "$out/torch.txt" "$out/blas.txt" "$out/jmh.json" \
  "$out/startup.txt" "$out/pbar.txt" "$out/ort.txt" $(ls "$out"/batch.txt 2>/dev/null)
