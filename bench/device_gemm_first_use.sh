#!/bin/bash
# On a GPU machine: where tensor.gemm's time goes. The GEMMs themselves take
# ~80 ms on an H200 (11 products per precision), the probe 0.4-0.7 s. Runs
# `--stages tensor,cudnn` on GPU 0 in each of MODES (default: side and serial,
# alternately, 3 times each; see below) and prints each run's tensor.gemm,
# devices.memory, tensor.torch_block and cudnn.conv phases (details.phases_ms).
# Reports and logs are packed into $OUT/gemm.tgz.
# Usage, from the repository root: bash bench/device_gemm_first_use.sh
set -uo pipefail
OUT=${OUT:-/tmp/preflight-out}
S=$OUT/gemm
mkdir -p "$S"
export NCCL_NVLS_ENABLE=0  # never NVLink multicast on shared machines
B=build-gpu/bin/gpu-preflight
bash bench/build_gpu.sh "$S/build.log" > /dev/null || exit 1
phases() {
  python3 - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for g in r["gpus"]:
    for x in g["results"]:
        if x["probe"] in ("tensor.gemm", "devices.memory", "tensor.torch_block", "cudnn.conv"):
            ph = x["details"].get("phases_ms", {})
            print(f"  {x['probe']:18} {x['duration_ms']:6.0f} ms  " +
                  " ".join(f"{k}={v:.0f}" for k, v in ph.items()))
PY
}
# side: the default (the precisions' checks side by side); serial:
# PREFLIGHT_GEMM_SIDE_BY_SIDE=0; eager: CUDA_MODULE_LOADING=EAGER.
for mode in ${MODES:-side serial side serial side serial}; do
  i=$(( ${i:-0} + 1 ))
  case $mode in
    serial) env=(PREFLIGHT_GEMM_SIDE_BY_SIDE=0) ;;
    eager) env=(CUDA_MODULE_LOADING=EAGER) ;;
    *) env=() ;;
  esac
  s=$(date +%s%N)
  env "${env[@]}" $B -q --gpus 0 --stages tensor,cudnn --json "$S/$mode-$i.json" > "$S/$mode-$i.log" 2>&1
  echo "== $mode run $i: exit $?, wall $(( ($(date +%s%N) - s) / 1000000 )) ms"
  phases "$S/$mode-$i.json"
done
tar czf "$OUT/gemm.tgz" -C "$OUT" gemm && rm -rf "$S"
