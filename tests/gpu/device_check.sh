#!/bin/bash
# One device-machine session in a fixed time budget: build, the GPU tests on
# two GPUs, the preload A/B, the time-to-verdict benchmark on 1, 2 and all
# GPUs, torch.compile/AOTInductor, and the full level on all GPUs if time is
# left. Every step writes its log under $OUT as it goes, so a step cut short
# still leaves the ones before it; at the end they are packed into
# $OUT/logs.tgz. Usage, from the repository root:
#   BUDGET_S=560 bash tests/gpu/device_check.sh
set -uo pipefail
OUT=${OUT:-/tmp/preflight-out}
mkdir -p "$OUT"
export NCCL_NVLS_ENABLE=0  # never NVLink multicast on shared machines
BUDGET_S=${BUDGET_S:-560}
t0=$(date +%s)
left() { echo $(( BUDGET_S - ($(date +%s) - t0) )); }
step() { echo; echo "===== [$(( $(date +%s) - t0 )) s] $*"; }
B=build-gpu/bin/gpu-preflight
n=$(nvidia-smi -L | grep -c '^GPU')

step build
nvidia-smi -L > "$OUT/env.txt"
cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release > "$OUT/build.log" 2>&1 &&
  cmake --build build-gpu -j16 >> "$OUT/build.log" 2>&1 ||
  { grep -E "error" -A5 "$OUT/build.log" | head -40; exit 1; }

step "GPU tests on 2 GPUs (CUDA_VISIBLE_DEVICES=0,1), all but compile_full"
(cd build-gpu && CUDA_VISIBLE_DEVICES=0,1 timeout $(( $(left) - 330 )) \
  ctest -L gpu -E compile_full --output-on-failure > "$OUT/ctest-gpu.log" 2>&1)
grep -E "Test +#|tests passed|FAILED CHECK" "$OUT/ctest-gpu.log"

step "preload A/B: default run on all $n GPUs, 3 each, alternating"
for i in 1 2 3; do
  for p in 1 0; do
    s=$(date +%s%N)
    PREFLIGHT_PRELOAD=$p $B -q --json "$OUT/ab-preload$p-$i.json" > /dev/null 2>&1
    echo "PREFLIGHT_PRELOAD=$p round $i: $(( ($(date +%s%N) - s) / 1000000 )) ms"
  done
done | tee "$OUT/preload-ab.txt"

step "/dev/shm NCCL segments left after runs: $(ls /dev/shm | grep -ci nccl)"

step "time to verdict (ROUNDS=${ROUNDS:-2})"
COUNTS="1 2 $n" ROUNDS=${ROUNDS:-2} timeout $(( $(left) - 100 )) \
  bash bench/device_time_to_verdict.sh 2>&1 | tee "$OUT/ttv.txt" | grep -v "^round"

step "compile_full on GPU 0"
(cd build-gpu && timeout $(( $(left) - 10 )) ctest -L gpu -R compile_full \
  --output-on-failure > "$OUT/ctest-compile.log" 2>&1)
grep -E "Test +#|tests passed|FAILED CHECK" "$OUT/ctest-compile.log"

if [ "$(left)" -gt 90 ]; then
  step "--level full on all $n GPUs ($(left) s left)"
  s=$(date +%s%N)
  timeout $(( $(left) - 5 )) $B --level full --json "$OUT/full.json" > "$OUT/full.txt" 2>&1
  echo "exit $?, wall $(( ($(date +%s%N) - s) / 1000000 )) ms"
  tail -3 "$OUT/full.txt"
fi
step done
# The device tool brings back only a few files: pack the logs, reports and
# benchmark JSON into one archive and keep only the main logs beside it.
tar czf /tmp/preflight-logs.tgz -C "$OUT" . && mv /tmp/preflight-logs.tgz "$OUT/logs.tgz" &&
  find "$OUT" -maxdepth 1 -type f ! -name logs.tgz ! -name ctest-gpu.log \
    ! -name ttv.txt ! -name preload-ab.txt -delete
ls "$OUT"
