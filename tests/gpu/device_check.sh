#!/bin/bash
# One device-machine session in a fixed time budget: build, the GPU tests on
# two GPUs (one where there is one; TEST_GPUS=N for N), the A/B of issue 8's background NCCL
# init, startup costs
# and timelines, the time-to-verdict benchmark on 1, 2 and all GPUs,
# torch.compile/AOTInductor, and the full level on all GPUs if time is left
# (TESTS=0, STARTUP=0, TTV=0, COMPILE=0, FULL_LEVEL=0 leave steps out; VARIANTS and
# AB_ROUNDS shape the A/B; EXTRA adds bench scripts). Every step
# writes its log under $OUT as it goes, so a step cut short still leaves the
# ones before it; at the end they are packed into
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
bash bench/build_gpu.sh "$OUT/build.log" || exit 1

# TEST_GPUS: how many GPUs the tests see (default 2, or 1 where there is one).
vis=$(seq -s, 0 $(( ${TEST_GPUS:-$(( n < 2 ? 1 : 2 ))} - 1 )))
shm() { echo "NCCL segments in /dev/shm: $(ls /dev/shm | grep -ci nccl)"; }
shm
if [ "${TESTS:-1}" = 1 ]; then
  step "GPU tests on GPUs $vis (CUDA_VISIBLE_DEVICES), all but compile_full"
  (cd build-gpu && CUDA_VISIBLE_DEVICES=$vis timeout $(( $(left) - ${RESERVE_S:-330} )) \
    ctest -L gpu -E compile_full --output-on-failure > "$OUT/ctest-gpu.log" 2>&1)
  grep -E "Test +#|tests passed|FAILED CHECK|NCCL segments" "$OUT/ctest-gpu.log"
  shm
fi

step "head-start A/B: default run on all $n GPUs, ${AB_ROUNDS:-3} rounds of: ${VARIANTS:-on connect-at-init nccl-off}"
# on: background NCCL init, then its first all-reduce, which connects the
# ranks (the default); connect-at-init: every connection made during the
# init (NCCL_RUNTIME_CONNECT=0); nccl-off: the init in the probe.
variants=${VARIANTS:-on connect-at-init nccl-off}
for i in $(seq 1 "${AB_ROUNDS:-3}"); do  # AB_ROUNDS=0: no A/B
  for v in $variants; do
    env=()
    case $v in
      nccl-off) env=(PREFLIGHT_EARLY_NCCL=0) ;;
      connect-at-init) env=(NCCL_RUNTIME_CONNECT=0) ;;
      gemm-serial) env=(PREFLIGHT_GEMM_SIDE_BY_SIDE=0) ;;
    esac
    before=$(ls /dev/shm | grep -ci nccl)
    s=$(date +%s%N)
    env "${env[@]}" $B -q --json "$OUT/ab-$v-$i.json" > /dev/null 2>&1
    echo "$v round $i: exit $?, $(( ($(date +%s%N) - s) / 1000000 )) ms, NCCL segments left $(( $(ls /dev/shm | grep -ci nccl) - before ))"
  done
done | tee "$OUT/headstart-ab.txt"
python3 - "$OUT" "$variants" <<'PY' | tee -a "$OUT/headstart-ab.txt"
import glob, json, statistics, sys
for v in sys.argv[2].split():
    walls, first_gpu, nccl, gemm, conv = [], [], [], [], []
    gemm_ms, exit_lag, phases = [], [], {}
    for f in sorted(glob.glob(f"{sys.argv[1]}/ab-{v}-*.json")):
        r = json.load(open(f))
        walls.append(r["duration_ms"])
        node = {x["probe"]: x for x in r["results"]}
        if "nccl.all_reduce" in node:
            nccl.append(node["nccl.all_reduce"]["duration_ms"])
        gpu_workers = [w for w in r.get("timeline", {}).get("workers", [])
                       if str(w.get("lane", "")).startswith("gpu")
                       and w.get("exited_ms") is not None]
        if gpu_workers:
            # last GPU result -> last GPU worker reaped: the exits' cost
            exit_lag.append(max(w["exited_ms"] for w in gpu_workers) -
                            max(w["last_result_ms"] for w in gpu_workers))
        for g in r["gpus"]:
            res = {x["probe"]: x for x in g["results"]}
            if "tensor.gemm" in res:
                gemm_ms.append(res["tensor.gemm"]["duration_ms"])
            # NCCL's own account of its communicator init, per rank
            for k, s in res.get("nccl.all_reduce", {}).get("details", {}).get(
                    "nccl_init_phases_s", {}).items():
                phases.setdefault(k, []).append(s * 1e3)
            first_gpu.append(min(x["started_ms"] for x in g["results"]))
            for m in res.get("tensor.gemm", {}).get("metrics", []):
                if m["name"] == "bf16_tflops": gemm.append(m["value"])
            for m in res.get("cudnn.conv", {}).get("metrics", []):
                if m["name"] == "conv_fp16_tflops": conv.append(m["value"])
    med = lambda x: statistics.median(x) if x else float("nan")
    print(f"{v:12} report {med(walls):6.0f} ms  first GPU probe {med(first_gpu):5.0f} ms  "
          f"nccl stage {med(nccl):5.0f} ms  gemm {med(gemm_ms):4.0f} ms  exits {med(exit_lag):4.0f} ms  bf16 {med(gemm):.0f} TFLOP/s  conv fp16 {med(conv):.0f} TFLOP/s")
    if phases:
        print(f"{'':12} NCCL init (median over ranks and rounds, ms): " +
              ", ".join(f"{k} {med(x):.0f}" for k, x in phases.items()))
PY

shm
# EXTRA="bench/a.sh bench/b.py": further bench scripts (.sh run by bash,
# .py by python3), each logged to $OUT/device_<name>.txt.
for script in ${EXTRA:-}; do
  step "$script"
  name=$(basename "$script"); name=${name%.*}; name=${name#device_}
  case $script in *.py) run_with=python3 ;; *) run_with=bash ;; esac
  timeout $(( $(left) - 60 )) $run_with "$script" 2>&1 | tee "$OUT/device_$name.txt"
done

if [ "${STARTUP:-1}" = 1 ]; then
  step "startup costs and timelines"
  REPEAT=2 bash bench/device_startup_costs.sh 2>&1 | tee "$OUT/startup.txt" | tail -80
fi

step "/dev/shm NCCL segments left after runs: $(ls /dev/shm | grep -ci nccl)"

if [ "${TTV:-1}" = 1 ]; then
  step "time to verdict (ROUNDS=${ROUNDS:-2})"
  COUNTS=${COUNTS:-$(echo 1 2 "$n" | tr ' ' '\n' | awk -v n="$n" '$1<=n' | sort -un | tr '\n' ' ')} \
    ROUNDS=${ROUNDS:-2} timeout $(( $(left) - ${TTV_RESERVE_S:-100} )) \
    bash bench/device_time_to_verdict.sh 2>&1 | tee "$OUT/ttv.txt" | grep -v "^round"
fi

if [ "${COMPILE:-1}" = 1 ]; then
  step "compile_full on GPU 0"
  (cd build-gpu && timeout $(( $(left) - 10 )) ctest -L gpu -R compile_full \
    --output-on-failure > "$OUT/ctest-compile.log" 2>&1)
  grep -E "Test +#|tests passed|FAILED CHECK" "$OUT/ctest-compile.log"
fi

if [ "${FULL_LEVEL:-1}" = 1 ] && [ "$(left)" -gt 90 ]; then
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
    ! -name ttv.txt ! -name headstart-ab.txt ! -name startup.txt \
    ! -name 'device_*.txt' -delete
ls "$OUT"
