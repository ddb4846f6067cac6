#!/bin/bash
# On a GPU machine: where the default run's time goes before any probe
# measures anything. Builds gpu-preflight (bench/build_gpu.sh), then
# prints
#   * the driver's persistence mode,
#   * bench/cuda_init_cost.py (cuInit and context cost, alone and in parallel),
#   * the timeline (bench/show_timeline.py) of REPEAT default runs on all GPUs,
# and packs the reports and logs into $OUT/startup.tgz.
# Usage, from the repository root: bash bench/device_startup_costs.sh
set -uo pipefail
OUT=${OUT:-/tmp/preflight-out}
mkdir -p "$OUT/startup"
S=$OUT/startup
export NCCL_NVLS_ENABLE=0  # never NVLink multicast on shared machines
B=build-gpu/bin/gpu-preflight
bash bench/build_gpu.sh "$S/build.log" > /dev/null || exit 1
echo "== persistence mode"
nvidia-smi --query-gpu=index,name,persistence_mode --format=csv,noheader
pgrep -l nvidia-persist || echo "(no nvidia-persistenced process visible)"
echo "== cuda_init_cost.py"
python3 bench/cuda_init_cost.py --repeat "${REPEAT:-3}" --json "$S/init-cost.json"
for i in $(seq 1 "${REPEAT:-3}"); do
  echo "== default run $i"
  s=$(date +%s%N)
  $B -q --json "$S/default-$i.json" -vv > "$S/default-$i.log" 2>&1
  echo "exit $?, wall $(( ($(date +%s%N) - s) / 1000000 )) ms"
  python3 bench/show_timeline.py "$S/default-$i.json" $( [ "$i" = 1 ] && echo --probes)
done
grep -h "cuInit\|preloaded" "$S"/default-1.log | head -20
tar czf "$OUT/startup.tgz" -C "$OUT" startup && rm -rf "$S"
