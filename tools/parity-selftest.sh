#!/usr/bin/env bash
# Runs tools/export_parity.py for real: installs the pinned PyTorch stack into target/py from the local wheel cache
# (never the network), builds a tiny random checkpoint of each family with the real Python classes, saved as a user's
# folder is, exports it on a few images and captions, and checks the export with `./qpert parity` at 1e-4.
# A part whose prerequisite is missing (Python, the wheel cache, ../shared) is skipped with a line saying so.
# ../shared (or $QPERT_SHARED) holds InternVL's remote modeling code, which the project does not copy; the InternVL
# part needs it.
# .ci/run calls it after `mvn -B verify` (it needs cli/target/qpert.jar; ./qpert builds it when missing). Bounded: about
# 2.5 minutes on a 2-core machine with target/py in place (2m23s measured, 1m36s without InternVL), 40 s more to
# install the wheels; every model is tiny and every export has four small images and three captions.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
say() { echo "parity-selftest: $*"; }

# The wheel cache of every development and CI machine (the same paths /etc/pip.conf names). Every index pip may read
# is named here, overriding the pip configuration, so an index on the network is never asked.
index="${QPERT_PIP_INDEX:-/opt/pypi/simple}"
more="${QPERT_PIP_MORE:-/opt/pypi-more/simple}"
wheels="${QPERT_PIP_WHEELS:-/opt/wheels}"
packages=(torch==2.13.0+cpu transformers==5.17.0 open_clip_torch==3.3.0 timm==1.0.29 safetensors sentencepiece einops)

python="$(command -v python3 || true)"
if [ -z "$python" ]; then say "SKIPPED: no python3 on PATH, nothing exported or checked"; exit 0; fi
if [ ! -d "$index" ]; then say "SKIPPED: no local wheel cache at $index (set QPERT_PIP_INDEX), nothing exported"; exit 0; fi
venv="$root/target/py"
installed="$("$venv/bin/python" -c 'from importlib.metadata import version as v
print(" ".join(f"{p}=={v(p)}" for p in ("torch", "transformers", "open_clip_torch", "timm")))' 2>/dev/null || true)"
if [ "$installed" != "${packages[*]:0:4}" ]; then
  if ! "$python" -m venv --clear "$venv" >/dev/null 2>&1; then
    say "SKIPPED: python3 cannot create a virtual environment (python3-venv missing?), nothing exported"; exit 0
  fi
  say "installing ${packages[*]} into target/py from $index (offline) ..."
  extra=()
  [ -d "$more" ] && extra+=(--extra-index-url "file://$more")
  [ -d "$wheels" ] && extra+=(--find-links "$wheels")
  if ! env -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null "$venv/bin/pip" install -q \
      --disable-pip-version-check --retries 0 --timeout 5 --index-url "file://$index" "${extra[@]}" "${packages[@]}" \
      >"$root/target/parity-selftest-pip.log" 2>&1; then
    tail -5 "$root/target/parity-selftest-pip.log" >&2
    say "SKIPPED: pip could not install the wheels from the local cache (log: target/parity-selftest-pip.log)"; exit 0
  fi
fi
py="$venv/bin/python"
work="$root/target/parity-selftest"
rm -rf "$work" && mkdir -p "$work"
export PYTHONHASHSEED=0 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 TOKENIZERS_PARALLELISM=false
"$py" tools/parity_selftest.py images "$work/images"
images=("$work"/images/*)

failed=0
passed=()
unchecked=(none)
# check FAMILY MODEL_DIR --activations FILE|--qpert DIR [options...]: runs qpert parity at 1e-4; its table is kept.
check() {
  local family="$1" model="$2" what="$3" export="$4"
  shift 4
  local table="$export.parity${*:+-$(echo "$*" | tr -c 'a-z0-9' '-')}.txt"
  if ./qpert parity --model "$model" "$what" "$export" --tolerance 1e-4 "$@" >"$table" 2>&1; then
    say "$family: qpert parity $what PASSED ($(tail -1 "$table")${*:+, $*})"
    passed+=("$family $what${*:+ $*}")
  else
    cat "$table"
    say "$family: qpert parity $what FAILED${*:+ ($*)}"
    failed=1
  fi
}

# not_checked FAMILY WHY: the export was made and validated, but qpert's side of the comparison was not run.
not_checked() {
  say "$1: exported and validated, but qpert parity is NOT checked: $2"
  [ "${unchecked[0]}" = none ] && unchecked=()
  unchecked+=("$1")
}

# Boxes per image, in the order of "${images[@]}" (gray 60x90, photo 100x75, rgb 100x75, rgba 64x64): two boxes; a box
# and a 1-pixel one; none (must stay unperturbed); one partly outside the image.
cat >"$work/boxes.json" <<'JSON'
{"alpha": 8.0, "tau": 0.99, "weight": "constant",
 "images": [{"boxes_xyxy": [[5.5, 10.2, 40.0, 50.7], [20.0, 60.0, 58.0, 88.0]]},
            {"boxes_xyxy": [[10.0, 5.0, 60.0, 40.0], [70.0, 50.0, 71.0, 51.0]]},
            {"boxes_xyxy": []},
            {"boxes_xyxy": [[30.0, 30.0, 80.0, 70.0]]}]}
JSON

"$py" tools/parity_selftest.py blip2 "$work/blip2"
"$py" tools/export_parity.py blip2 --model "$work/blip2" --images "${images[@]}" \
  --captions "a dog on a sofa" "two cats" "a red car on the beach" --weights16 f16 bf16 --out "$work/blip2.safetensors" \
  --boxes "$work/boxes.json" --qpert-out "$work/blip2-qpert"
check BLIP-2 "$work/blip2" --activations "$work/blip2.safetensors"
check BLIP-2 "$work/blip2" --activations "$work/blip2.safetensors" --weights model-f16.safetensors
check BLIP-2 "$work/blip2" --activations "$work/blip2.safetensors" --weights model-bf16.safetensors
check BLIP-2 "$work/blip2" --qpert "$work/blip2-qpert"
# The exporter's Q-Perturbation on the tiny-blip2 fixture's model and boxes reproduces its independent qpert-* cases.
"$py" tools/parity_selftest.py check-blip2-qpert-fixture testdata/parity/tiny-blip2

"$py" tools/parity_selftest.py owlv2 "$work/owlv2"
"$py" tools/export_parity.py owlv2 --model "$work/owlv2" --images "${images[@]}" --queries "a dog" "a red car" "cat" \
  --out "$work/owlv2.safetensors"
check OWLv2 "$work/owlv2" --activations "$work/owlv2.safetensors"

"$py" tools/parity_selftest.py coca "$work/coca"
# A CoCa case reads its texts from the activations.safetensors beside its folder (as in testdata/parity/tiny-coca).
"$py" tools/export_parity.py coca --model "$work/coca" --images "${images[@]}" \
  --captions "a dog on a sofa" "two cats" "a red car on the beach" --weights16 f16 bf16 \
  --out "$work/coca-export/activations.safetensors" --boxes "$work/boxes.json" --qpert-out "$work/coca-export/qpert"
check CoCa "$work/coca" --activations "$work/coca-export/activations.safetensors"
check CoCa "$work/coca" --activations "$work/coca-export/activations.safetensors" --weights model-f16.safetensors
check CoCa "$work/coca" --activations "$work/coca-export/activations.safetensors" --weights model-bf16.safetensors
check CoCa "$work/coca" --qpert "$work/coca-export/qpert"
# The exporter on the tiny-coca fixture's model and inputs reproduces that independently made fixture: its stages
# (1e-5) and its two qpert-* cases (1e-4, k and the resize/crop geometry exact).
"$py" tools/parity_selftest.py check-coca-fixture testdata/parity/tiny-coca
"$py" tools/parity_selftest.py check-coca-qpert-fixture testdata/parity/tiny-coca

shared="${QPERT_SHARED:-$root/../shared}"
code="$shared/reference/internvl-remote-code"
if [ -f "$code/modeling_internvl.py" ] && [ -f "$shared/parity/tiny-internvl/model.safetensors" ]; then
  "$py" tools/parity_selftest.py internvl "$work/internvl" "$code" testdata/parity/tiny-internvl/tokenizer/tokenizer.model
  "$py" tools/export_parity.py internvl --model "$work/internvl" --images "${images[@]}" \
    --captions "a dog on a sofa" "two cats" "a red car on the beach" --max-length 20 --weights16 f16 bf16 \
    --out "$work/internvl.safetensors"
  # The same code on parity/tiny-internvl's weights and inputs must reproduce that fixture.
  mkdir -p "$work/internvl-fixture"
  cp "$work"/internvl/*.py "$work/internvl/tokenizer.model" "$shared"/parity/tiny-internvl/{config.json,model.safetensors} \
    "$work/internvl-fixture/"
  "$py" tools/parity_selftest.py check-internvl-fixture "$work/internvl-fixture" "$shared/parity/tiny-internvl" \
    testdata/parity/tiny-internvl/tokenizer/cases.json
  not_checked InternVL "qpert does not implement InternVL yet (no model, no parity path)"
else
  say "InternVL: SKIPPED: no InternVL remote code at $code or no $shared/parity/tiny-internvl (set QPERT_SHARED)"
  [ "${unchecked[0]}" = none ] && unchecked=()
  unchecked+=("InternVL (skipped)")
fi

if [ "$failed" != 0 ]; then say "FAILED (tables above; files in target/parity-selftest)"; exit 1; fi
list() { local IFS=";"; echo "$*" | sed 's/;/; /g'; }
say "done: qpert parity passed ${#passed[@]} times ($(list "${passed[@]}")); NOT checked: $(list "${unchecked[@]}")"
