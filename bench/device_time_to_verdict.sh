#!/bin/bash
# On a GPU machine: builds gpu-preflight (bench/build_gpu.sh: Release,
# build-gpu/, a no-op when up to date), then runs bench/time_to_verdict.py on 1, 2 and all GPUs of
# the machine, writing everything under $OUT.
#   ROUNDS=5   rounds per GPU count (each: one gpu-preflight run, one
#              PyTorch-script run)
#   COUNTS="1 2 4"  GPU counts to measure (default: 1, 2 and all)
#   FULL=1     also one --level full run on all GPUs
# Usage, from the repository root: bash bench/device_time_to_verdict.sh
set -uo pipefail
OUT=${OUT:-/tmp/preflight-out}
mkdir -p "$OUT"
export NCCL_NVLS_ENABLE=0  # never NVLink multicast on shared machines
B=build-gpu/bin/gpu-preflight
bash bench/build_gpu.sh "$OUT/build.log" > /dev/null || exit 1
n=$(nvidia-smi -L | grep -c '^GPU')
COUNTS=${COUNTS:-$(echo 1 2 "$n" | tr ' ' '\n' | awk -v n="$n" '$1<=n' | sort -un | tr '\n' ' ')}
for c in $COUNTS; do
  devs=$(seq -s, 0 $((c - 1)))
  echo "===== $c GPU(s): CUDA_VISIBLE_DEVICES=$devs"
  full=()
  if [ "${FULL:-0}" = 1 ] && [ "$c" = "$n" ]; then full=(--full); fi
  CUDA_VISIBLE_DEVICES=$devs python3 bench/time_to_verdict.py "$B" \
    --rounds "${ROUNDS:-5}" "${full[@]}" --json "$OUT/ttv-$c.json" \
    --reports "$OUT/ttv-reports-$c" 2>&1 |
    tee "$OUT/ttv-$c.txt" | grep -v '^round'
  # One report per GPU count for the timeline.
  CUDA_VISIBLE_DEVICES=$devs $B --json "$OUT/report-$c.json" -q > /dev/null 2>&1
done
