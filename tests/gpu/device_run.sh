#!/bin/bash
# Builds, tests and runs gpu-preflight on a GPU machine in one go, writing
# logs and reports under $OUT (the device tool brings them back). Usage, from
# the repository root:  bash tests/gpu/device_run.sh [all|nccl]
#   all  (default) every test, the sample runs, both benchmarks
#   nccl the GPU tests, the NCCL runs and the NCCL benchmark (on 2 GPUs and,
#        where there are more, on all of them)
set -uo pipefail
OUT=${OUT:-/tmp/preflight-out}
mkdir -p "$OUT"
export NCCL_NVLS_ENABLE=0  # never NVLink multicast on shared machines
{
  date -u; nvidia-smi -L
  nvidia-smi --query-gpu=index,name,driver_version,persistence_mode,pci.bus_id --format=csv
  cmake --version | head -1; nvcc --version | tail -2; ninja --version
  python3 -c 'import torch; print("torch", torch.__version__, torch.version.cuda)'
  ls /usr/include | grep -iE '^(CLI|spdlog|nlohmann|gtest|fmt)'
  ls /usr/lib/x86_64-linux-gnu/cmake 2>/dev/null | grep -iE 'cli|spdlog|nlohmann|gtest|fmt'
  ls /usr/share/cmake 2>/dev/null | grep -iE 'cli|nlohmann'
} > "$OUT/env.txt" 2>&1

bash bench/build_gpu.sh "$OUT/build.log" || exit 1
grep -A8 'feature summary' "$OUT/build.log"

MODE=${1:-all}
if [ "$MODE" = nccl ]; then
  (cd build-gpu && ctest -L gpu --output-on-failure > "$OUT/ctest.log" 2>&1)
else
  (cd build-gpu && ctest -j4 --output-on-failure > "$OUT/ctest.log" 2>&1)
fi
echo "ctest exit: $?"
grep -E 'tests passed|Skipped|Failed|\(Failed\)|\*\*\*' "$OUT/ctest.log" | head -30

B=build-gpu/bin/gpu-preflight
C="$OUT/console.txt"
: > "$C"
section() { echo; echo "===== \$ $*"; }
{
  section "gpu-preflight  (default run)"
  s=$(date +%s%N); $B --json "$OUT/default.json"; rc=$?
  echo "exit code $rc, wall $(( ($(date +%s%N) - s) / 1000000 )) ms"
  section "gpu-preflight -v --stages tensor,cudnn"
  $B -v --stages tensor,cudnn --json /tmp/tensor.json; echo "exit code $?"
  section "gpu-preflight -v --stages nccl"
  $B -v --stages nccl --json /tmp/nccl.json; echo "exit code $?"
  python3 -c "import json; r=json.load(open('/tmp/nccl.json')); n=[x for x in r['results'] if x['probe']=='nccl.all_reduce'][0]; print(json.dumps(n['details'], indent=1))"
  section "PREFLIGHT_FAULT=nccl.all_reduce@1:hang gpu-preflight --stages nccl --timeout-scale 0.1"
  s=$(date +%s%N); PREFLIGHT_FAULT=nccl.all_reduce@1:hang $B --stages nccl --timeout-scale 0.1 --json /tmp/hang.json; rc=$?
  echo "exit code $rc, wall $(( ($(date +%s%N) - s) / 1000000 )) ms"
  section "gpu-preflight -v --stages compile --gpus 0 --torch-compile --aoti-package model.pt2"
  python3 bench/make_aoti_package.py /tmp/model.pt2 > /tmp/aoti.log 2>&1 || tail -5 /tmp/aoti.log
  $B -v --stages compile --gpus 0 --torch-compile --aoti-package /tmp/model.pt2 --json /tmp/compile.json; echo "exit code $?"
  section "gpu-preflight --level full --stages tensor,cudnn --gpus 0"
  s=$(date +%s%N); $B --level full --stages tensor,cudnn --gpus 0 --json /tmp/full.json; rc=$?
  echo "exit code $rc, wall $(( ($(date +%s%N) - s) / 1000000 )) ms"
} >> "$C" 2>&1
grep -A200 "default run" "$C" | head -45
grep -A30 "stages nccl" "$C" | head -50
if [ "$MODE" = nccl ]; then
  n=$(nvidia-smi -L | grep -c '^GPU')
  CUDA_VISIBLE_DEVICES=0,1 python3 bench/compare_nccl.py $B --rounds 3 > "$OUT/bench.txt" 2>&1
  tail -9 "$OUT/bench.txt"
  if [ "$n" -gt 2 ]; then
    python3 bench/compare_nccl.py $B --rounds 3 >> "$OUT/bench.txt" 2>&1
    tail -9 "$OUT/bench.txt"
  fi
  exit 0
fi
python3 bench/compare_torch.py $B --gpu 0 --rounds 3 > "$OUT/bench.txt" 2>&1
tail -9 "$OUT/bench.txt"
python3 bench/compare_nccl.py $B --rounds 3 >> "$OUT/bench.txt" 2>&1
tail -10 "$OUT/bench.txt"
python3 bench/compare_graphs.py $B --rounds 3 >> "$OUT/bench.txt" 2>&1
tail -6 "$OUT/bench.txt"
grep -A40 "stages compile --gpus 0 --torch" "$C" | grep -E "PASS|FAIL|SKIP|ERROR|CRASH|TIMEOUT|=" | head -40
