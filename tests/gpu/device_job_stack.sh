#!/bin/bash
# One call on the GPU machine for the job-stack work (issue 16): builds with
# kernel images compiled here (the machine has no NVRTC 12 wheel), shows
# what the binary and modules link, times ROUNDS default runs, runs the GPU
# tests, and keeps logs and reports under $OUT. Usage, from the repository
# root, with .deps/cuda12/nvidia/{cuda_runtime,cuda_nvcc/include,
# cuda_cccl/include} and .device/kernel-images carried:
#   ROUNDS=5 TESTS="-L gpu" bash tests/gpu/device_job_stack.sh
set -uo pipefail
OUT=${OUT:-/tmp/preflight-out}
mkdir -p "$OUT"
export NCCL_NVLS_ENABLE=0  # never NVLink multicast on shared machines
export PREFLIGHT_CMAKE_ARGS="-DPREFLIGHT_KERNEL_IMAGES_DIR=$PWD/.device/kernel-images"
bash bench/build_gpu.sh "$OUT/build.log" || exit 1
grep -A9 'feature summary' "$OUT/build.log"
B=build-gpu/bin/gpu-preflight
$B --version
for f in $B build-gpu/lib/gpu-preflight/*.so; do
  echo "$f: $(readelf -d "$f" | grep NEEDED | awk '{print $5}' | tr '\n' ' ')"
done
build-gpu/tests/device_image_check --expect-sass 70,75,80,86,89,90,100,120 \
  --expect-ptx 100 build-gpu/lib/gpu-preflight/libpreflight-cuda.so | tail -2
for i in $(seq "${ROUNDS:-5}"); do
  s=$(date +%s%N)
  $B --json "$OUT/default$i.json" > "$OUT/default$i.txt" 2>&1
  echo "default run $i: exit $? wall $(( ($(date +%s%N) - s) / 1000000 )) ms"
done
cat "$OUT/default1.txt" | grep -E "PASS|FAIL|ERROR|SKIP|Verdict" | cut -c1-200
# The other copy: --library-copy system, with each probe's tested library.
$B --library-copy system --json "$OUT/system_copy.json" > "$OUT/system_copy.txt" 2>&1
echo "--library-copy system: exit $?"
python3 - "$OUT/system_copy.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for x in r["results"] + [y for g in r["gpus"] for y in g["results"]]:
    libs = x.get("details", {}).get("libraries", {})
    for fam, use in (libs.items() if isinstance(libs, dict) else []):
        print(f"  {x['probe']:22} {x['outcome']:5} {fam:8} {use.get('version', ''):9} {use['path']} ({use.get('origin', '')})")
PY
if [ -n "${TESTS:-}" ]; then
  # shellcheck disable=SC2086
  (cd build-gpu && timeout "${TEST_TIMEOUT:-420}" ctest $TESTS --output-on-failure > "$OUT/ctest.log" 2>&1)
  echo "ctest exit: $?"
  grep -E "Test +#|tests passed|FAILED CHECK|torch maps|system copies|^  [0-9-] " "$OUT/ctest.log" | cut -c1-220
fi
