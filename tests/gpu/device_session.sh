#!/bin/bash
# One device-machine call that checks a change end to end: builds this tree
# and, where .device/base.tar holds a baseline (`git archive <commit>`), that
# one too; the GPU suite; a same-machine A/B of the default run (ROUNDS
# alternating rounds, baseline and this tree); the GPU fault matrix
# (FAULTS=1). Logs and reports go under $OUT, packed into logs.tgz at the
# end. Carry .device and the CUDA 12 pieces the build needs (the machine has
# no NVRTC 12 wheel: kernel images come compiled from here):
#   carry: .device .deps/cuda12/nvidia/cuda_runtime
#          .deps/cuda12/nvidia/cuda_nvcc/include .deps/cuda12/nvidia/cuda_cccl/include
#   ROUNDS=3 TESTS=1 TEST_ARGS="-E compile_full" FAULTS=0 \
#     bash tests/gpu/device_session.sh
set -uo pipefail
OUT=${OUT:-/tmp/preflight-out}
mkdir -p "$OUT/logs"
export NCCL_NVLS_ENABLE=0  # never NVLink multicast on shared machines
t0=$(date +%s)
step() { echo; echo "===== [$(( $(date +%s) - t0 )) s] $*"; }
here=$PWD
export PREFLIGHT_CMAKE_ARGS="-DPREFLIGHT_KERNEL_IMAGES_DIR=$here/.device/kernel-images"
step "build (nvidia-smi: $(nvidia-smi -L | head -1))"
bash bench/build_gpu.sh "$OUT/logs/build.log" || exit 1
B=$here/build-gpu/bin/gpu-preflight
BASE=""
if [ -f .device/base.tar ] && [ "${ROUNDS:-3}" -gt 0 ]; then
  rm -rf /tmp/base && mkdir -p /tmp/base && tar -xf .device/base.tar -C /tmp/base
  ln -s "$here/.deps" /tmp/base/.deps
  # The binary and its modules only: the baseline is timed, not tested.
  (cd /tmp/base &&
    cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release $PREFLIGHT_CMAKE_ARGS \
      > "$OUT/logs/build-base.log" 2>&1 &&
    targets=$(cmake --build build-gpu --target help | grep -oE '^(gpu-preflight|preflight-[a-z]+):' | tr -d : | tr '\n' ' ') &&
    cmake --build build-gpu -j16 --target $targets >> "$OUT/logs/build-base.log" 2>&1) &&
    BASE=/tmp/base/build-gpu/bin/gpu-preflight
  echo "baseline: ${BASE:-not built (see build-base.log)}"
fi

step "default run of this tree"
$B --json "$OUT/logs/default.json" > "$OUT/logs/default.txt" 2>&1
echo "exit $?"
grep -vE '^\s*$' "$OUT/logs/default.txt" | cut -c1-220 | head -60

if [ -n "$BASE" ] && [ "${ROUNDS:-3}" -gt 0 ]; then
  step "A/B: ${ROUNDS:-3} alternating default runs, baseline then this tree"
  for i in $(seq "${ROUNDS:-3}"); do
    for v in base new; do
      bin=$B; [ $v = base ] && bin=$BASE
      s=$(date +%s%N)
      $bin -q --json "$OUT/logs/ab-$v-$i.json" > /dev/null 2>&1
      echo "$v round $i: exit $?, wall $(( ($(date +%s%N) - s) / 1000000 )) ms"
    done
  done | tee "$OUT/logs/ab.txt"
  python3 - "$OUT/logs" <<'PY' | tee -a "$OUT/logs/ab.txt"
import glob, json, statistics, sys
for v in ("base", "new"):
    walls, outcomes = [], set()
    for f in sorted(glob.glob(f"{sys.argv[1]}/ab-{v}-*.json")):
        r = json.load(open(f))
        walls.append(r["duration_ms"])
        res = r["results"] + [x for g in r["gpus"] for x in g["results"]]
        outcomes.add(tuple(sorted((x["probe"], x.get("gpu_index", -1), x["outcome"]) for x in res)))
    print(f"{v}: report durations {[round(w) for w in walls]} ms, median {statistics.median(walls):.0f} ms, "
          f"{len(next(iter(outcomes)))} results, outcome sets identical across rounds: {len(outcomes) == 1}")
PY
fi

if [ -n "${TESTS_FIRST:-}" ]; then
  step "GPU tests first, verbose (ctest -L gpu -R '$TESTS_FIRST')"
  (cd build-gpu && timeout "${FIRST_TIMEOUT:-300}" ctest -L gpu -R "$TESTS_FIRST" -V \
    > "$OUT/logs/ctest-gpu-first.log" 2>&1)
  echo "ctest exit: $?"
  grep -E "Test +#|tests passed|FAILED CHECK|^[0-9]+: (==|   job|   gpu-preflight|     fix|   DISAGREE)" \
    "$OUT/logs/ctest-gpu-first.log" | cut -c1-400
fi

if [ "${TESTS:-1}" = 1 ]; then
  step "GPU suite (ctest -L gpu)"
  # shellcheck disable=SC2086
  (cd build-gpu && timeout "${TEST_TIMEOUT:-480}" ctest -L gpu ${TEST_ARGS:-} --output-on-failure \
    > "$OUT/logs/ctest-gpu.log" 2>&1)
  echo "ctest exit: $?"
  grep -E "Test +#|tests passed|FAILED CHECK" "$OUT/logs/ctest-gpu.log" | cut -c1-200
fi

if [ "${FAULTS:-0}" = 1 ]; then
  step "GPU fault matrix (a line per case as it finishes)"
  # The machine has no jsonschema and no network: check the schema only where
  # it can be imported.
  python3 -c "import jsonschema" 2>/dev/null || export PREFLIGHT_FAULT_MATRIX_NO_SCHEMA=1
  PREFLIGHT_FAULT_MATRIX_GPUS=1 timeout "${FAULT_TIMEOUT:-400}" python3 \
    tests/integration/fault_matrix.py "$B" docs/report.schema.json \
    > "$OUT/logs/fault-matrix.log" 2>&1
  echo "fault matrix exit: $?"
  tail -6 "$OUT/logs/fault-matrix.log"
fi
step done
tar czf "$OUT/logs.tgz" -C "$OUT" logs && cp "$OUT/logs/default.txt" "$OUT/logs/ab.txt" \
  "$OUT/" 2>/dev/null; rm -rf "$OUT/logs"
ls "$OUT"
