#!/bin/bash
# GPU tests (ctest label "gpu"). Each runs the real binary on the machine's
# GPUs and checks the report. Exit 77 = skipped: no NVIDIA driver or GPU.
#   gpu_tests.sh <test-name> <gpu-preflight> <python3>
set -uo pipefail
name="$1"; bin="$2"; py="$3"
if [ ! -e /dev/nvidiactl ] || [ ! -r /proc/driver/nvidia/version ]; then
  echo "SKIP: no NVIDIA driver on this machine"; exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
check() {  # check <report> <python expression over r (report) that must hold>
  "$py" - "$1" "$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
gpus = r["gpus"]
def res(gpu, probe):
    for x in (gpus[gpu]["results"] if gpu is not None else r["results"]):
        if x["probe"] == probe:
            return x
    raise SystemExit(f"no result for {probe} on {gpu}")
ok = eval(sys.argv[2])
if not ok:
    print("FAILED CHECK:", sys.argv[2])
    for x in r["results"] + [y for g in gpus for y in g["results"]]:
        print(" ", x.get("gpu_index", "-"), x["probe"], x["outcome"], x["summary"])
    sys.exit(1)
print("ok:", sys.argv[2])
PY
}
run() { "$bin" "$@" --json "$tmp/r.json"; echo "exit code: $?" > "$tmp/rc"; }
# Per-GPU probes that check their answer, from `gpu-preflight list`, less
# those whose module this build lacks and compile.aoti_package.
corruptible_gpu_probes() {
  "$bin" list | awk '
    $3 == "gpu" && $5 == "checked" && $1 != "compile.aoti_package" { want[$1] = $6 }
    /^module / { name = $2; sub(":", "", name); if ($0 ~ /MISSING/) gone[name] = 1 }
    END { for (p in want) if (!(want[p] in gone)) print p }' | sort | tr '\n' ' '
}
# Another process loading GPU $uuid: holds fraction $1 of its memory and
# keeps it busy (busy_gpu_load.py); sets $load (its shell job) and $load_pid.
start_gpu_load() {
  local here
  here=$(cd "$(dirname "$0")" && pwd)
  CUDA_VISIBLE_DEVICES=$uuid "$py" "$here/busy_gpu_load.py" "$1" 240 > "$tmp/load.log" 2>&1 &
  load=$!
  trap 'kill $load 2>/dev/null; rm -rf "$tmp"' EXIT
  for _ in $(seq 120); do grep -q ready "$tmp/load.log" && break; sleep 0.5; done
  grep -q ready "$tmp/load.log" || { cat "$tmp/load.log"; echo "the load did not start"; exit 1; }
  load_pid=$(awk '/ready/ {print $2}' "$tmp/load.log")
}
# job_fate <job.py> <label> <command prefix...>: the job's script, then the
# default run, under the same prefix (variables, unshare, ulimit). Prints
# both; sets disagree=1 where one fails and the other does not.
job_fate() {
  local job=$1 label=$2; shift 2
  job_out=$(env "$@" timeout 120 "$py" "$job" 2>&1); job_rc=$?
  env "$@" timeout 120 "$bin" --json "$tmp/r.json" > "$tmp/out.txt" 2>&1; pf_rc=$?
  echo "== $label"
  echo "   job: exit $job_rc: $(echo "$job_out" | grep -E 'JOB OK|Error|error' | tail -1 | cut -c1-300)"
  echo "   gpu-preflight: exit $pf_rc: $(grep -E '^Verdict' "$tmp/out.txt")"
  grep -E '^  (fail|FAIL|warn|WARN) |^      fix:' "$tmp/out.txt" | head -6 | cut -c1-400 | sed 's/^/     /'
  if { [ "$job_rc" = 0 ] && [ "$pf_rc" != 0 ]; } || { [ "$job_rc" != 0 ] && [ "$pf_rc" = 0 ]; }; then
    echo "   DISAGREE"; disagree=1
  fi
}
rc() { sed 's/exit code: //' "$tmp/rc"; }
# Issue 8: every rank's communicator was made in the background and
# connected there by its first all-reduce.
background_communicators_ok() {
  check "$tmp/r.json" 'all(res(i, "nccl.all_reduce")["details"]["communicator"]["initialized"].startswith("in the background") for i in range(len(gpus)))' &&
  check "$tmp/r.json" 'all(res(i, "nccl.all_reduce")["details"]["communicator"]["first_all_reduce_ms"] > 0 for i in range(len(gpus)))'
}
# A healthy run leaves no NCCL shared-memory segment behind ($1: the count
# before the run).
no_nccl_segments_left() {
  local after
  after=$(ls /dev/shm | grep -ci nccl)
  [ "$after" -le "$1" ] ||
    { echo "NCCL segments in /dev/shm: $1 before the run, $after after"; ls -la /dev/shm | grep -i nccl | head; exit 1; }
}

# Issue 16: every probe that used a GPU library names the copy it tested
# (details.libraries); $1 the report, $2 a JSON {family: path} of what must
# have been tested.
tested_copies_are() {
  "$py" - "$1" "$2" <<'PY'
import json, os, sys
r = json.load(open(sys.argv[1]))
want = json.loads(sys.argv[2])
probe_family = {"tensor.gemm": "cublas", "compile.cuda_graph": "cublas",
                "cudnn.conv": "cudnn", "cudnn.library": "cudnn",
                "nccl.all_reduce": "nccl", "compile.nvrtc": "nvrtc"}
bad = []
seen = set()
for x in r["results"] + [y for g in r["gpus"] for y in g["results"]]:
    fam = probe_family.get(x["probe"])
    if fam is None or x["outcome"] == "skip" or "gpu_index" not in x and x["probe"] == "nccl.all_reduce":
        continue
    used = x.get("details", {}).get("libraries", {}).get(fam)
    if used is None:
        bad.append(f"{x['probe']} names no {fam} copy"); continue
    seen.add(fam)
    if fam in want and os.path.realpath(used["path"]) != os.path.realpath(want[fam]):
        bad.append(f"{x['probe']} tested {used['path']}, expected {want[fam]}")
    print(f"  {x.get('gpu_index', '-')} {x['probe']}: {fam} {used['version']} {used['path']} ({used['origin']})")
missing = [f for f in want if f in ("cublas", "cudnn", "nccl", "nvrtc") and f not in seen]
if missing: bad.append("no probe tested " + ", ".join(missing))
if bad:
    print("FAILED:", *bad, sep="\n  "); sys.exit(1)
PY
}
all_pass() {
  check "$tmp/r.json" 'r["verdict"] == "pass"' || { "$py" -c "import json,sys; r=json.load(open(sys.argv[1])); [print(' ', x.get('gpu_index','-'), x['probe'], x['outcome'], x['summary']) for x in r['results']+[y for g in r['gpus'] for y in g['results']] if x['outcome'] not in ('pass','skip')]" "$tmp/r.json"; exit 1; }
}

case "$name" in
  job_stack_matches_torch_maps)
    # (a) The copies the probes test are the files `import torch` maps.
    "$py" "$(dirname "$0")/torch_maps.py" > "$tmp/maps.json" || exit 1
    maps=$(tail -1 "$tmp/maps.json"); echo "torch maps: $maps"
    run; all_pass
    tested_copies_are "$tmp/r.json" "$maps" || exit 1
    check "$tmp/r.json" 'all(c["origin"] == "torch" for c in r["host"]["job_libraries"]["framework"].values())' || exit 1
    ;;
  system_libraries_hidden)
    # (b) A pip-only image: the system's CUDA, cuDNN and NCCL hidden for
    # this one command (a mount namespace); torch's copies still serve.
    [ "$(id -u)" = 0 ] && command -v unshare >/dev/null || { echo "SKIP: needs root and unshare"; exit 77; }
    "$py" "$(dirname "$0")/torch_maps.py" > "$tmp/maps.json" || exit 1
    maps=$(tail -1 "$tmp/maps.json")
    hide=""
    for d in /usr/local/cuda /usr/local/cuda-*; do [ -d "$d" ] && hide="$hide mount -t tmpfs none $d;"; done
    for f in /usr/lib/x86_64-linux-gnu/libcudnn* /usr/lib/x86_64-linux-gnu/libnccl* /usr/lib/x86_64-linux-gnu/libcublas* /usr/lib/x86_64-linux-gnu/libnvrtc*; do
      [ -e "$f" ] && hide="$hide mount --bind /dev/null $f;"
    done
    echo "hiding: $hide"
    unshare -m sh -c "$hide \"$bin\" --json $tmp/r.json; echo exit code: \$? > $tmp/rc"
    all_pass
    tested_copies_are "$tmp/r.json" "$maps" || exit 1
    check "$tmp/r.json" 'r["host"]["job_libraries"]["system"] == {} or all(not c["path"].startswith("/usr/local/cuda") for c in r["host"]["job_libraries"]["system"].values())' || exit 1
    ;;
  torch_hidden)
    # (c) No torch (its site-packages hidden, the nvidia wheels with it: an
    # empty torch/ left in place would be what `import torch` gives, a
    # namespace package, which fails driver.libraries as it fails the job):
    # the system's copies are tested and named.
    [ "$(id -u)" = 0 ] && command -v unshare >/dev/null || { echo "SKIP: needs root and unshare"; exit 77; }
    site=$("$py" -c 'import torch, os; print(os.path.dirname(os.path.dirname(torch.__file__)))')
    unshare -m sh -c "mount -t tmpfs none $site; \"$bin\" --json $tmp/r.json; echo exit code: \$? > $tmp/rc"
    check "$tmp/r.json" 'r["host"]["job_libraries"]["framework"] == {}' &&
    check "$tmp/r.json" 'all(c["origin"] in ("system", "CUDA toolkit") for c in r["host"]["job_libraries"]["system"].values())' || exit 1
    sys_copies=$("$py" -c 'import json,sys; r=json.load(open(sys.argv[1])); print(json.dumps({k: v["real_path"] for k, v in r["host"]["job_libraries"]["system"].items()}))' "$tmp/r.json")
    echo "system copies: $sys_copies"
    tested_copies_are "$tmp/r.json" "$sys_copies" || exit 1
    check "$tmp/r.json" 'all(res(i, p)["outcome"] == "pass" for i in range(len(gpus)) for p in ("tensor.gemm", "cudnn.conv", "compile.nvrtc"))' || exit 1
    ;;
  default_run_passes)
    shm_before=$(ls /dev/shm | grep -ci nccl)
    run
    [ "$(rc)" = 0 ] || { echo "expected exit 0, got $(rc)"; exit 1; }
    check "$tmp/r.json" 'r["verdict"] == "pass" and len(gpus) >= 1' &&
    check "$tmp/r.json" 'all(g["uuid"].startswith("GPU-") and g["pci_bus_id"] and g["compute_capability"] for g in gpus)' &&
    check "$tmp/r.json" 'r["host"]["driver"]["kernel_module_version"].split(".")[0].isdigit()' &&
    check "$tmp/r.json" 'r["host"]["cuda"]["driver_cuda_version"] != ""' &&
    check "$tmp/r.json" 'all(res(i, "devices.arch_coverage")["outcome"] == "pass" for i in range(len(gpus)))' &&
    check "$tmp/r.json" 'all(res(i, p)["outcome"] == "pass" for i in range(len(gpus)) for p in ("tensor.known_answer", "tensor.gemm", "tensor.copy", "cudnn.conv"))' &&
    check "$tmp/r.json" 'res(None, "cudnn.library")["outcome"] == "pass"' &&
    check "$tmp/r.json" 'all(res(i, p)["outcome"] == "pass" for i in range(len(gpus)) for p in ("compile.cuda_graph", "compile.nvrtc"))' &&
    check "$tmp/r.json" 'all(res(i, "compile.torch_compile")["skip_reason"] == "not_applicable" for i in range(len(gpus)))' &&
    # Triton's compile path ran at the quick level without importing torch.
    check "$tmp/r.json" '(lambda t: t["outcome"] == "pass" and t["details"]["torch_imported"] is False and t["metrics"][0]["value"] > 0)(res(None, "compile.triton_kernel"))' &&
    check "$tmp/r.json" 'res(None, "nccl.all_reduce")["outcome"] == "pass" and all(res(i, "nccl.all_reduce")["outcome"] == "pass" for i in range(len(gpus)))' &&
    check "$tmp/r.json" 'all(m["within_limit"] for g in gpus for x in g["results"] for m in x["metrics"] if "limit" in m)' &&
    # The four GEMM precisions were checked side by side (an H200 has the
    # free memory for it), and each recorded its first product's cost.
    check "$tmp/r.json" 'all(res(i, "tensor.gemm")["details"]["checks"].startswith("side by side") and all(res(i, "tensor.gemm")["details"][p]["first_product_and_check_ms"] > 0 for p in ("fp32", "tf32", "bf16", "fp16")) for i in range(len(gpus)))' &&
    # NCCL's log (set up at worker start) named its version.
    background_communicators_ok &&
    check "$tmp/r.json" 'all(res(i, "nccl.all_reduce")["details"].get("nccl_version") for i in range(len(gpus)))' &&
    # NCCL 2.23+ logs its own init breakdown; the report carries it.
    check "$tmp/r.json" 'all(res(i, "nccl.all_reduce")["details"]["nccl_version_code"] < 22300 or res(i, "nccl.all_reduce")["details"]["nccl_init_phases_s"]["total"] > 0 for i in range(len(gpus)))' || exit 1
    no_nccl_segments_left "$shm_before"
    ;;
  corrupt_results_fail)
    # Each check must be able to fail: damage one value of each result.
    # The list comes from `gpu-preflight list`: every per-GPU probe that
    # checks its answer, in a module this build has (compile.aoti_package
    # needs a package: compile_full corrupts it).
    probes=$(corruptible_gpu_probes)
    echo "corrupting: $probes"
    [ -n "$probes" ] || { echo "no probe to corrupt: are the modules missing?"; exit 1; }
    for probe in $probes; do
      PREFLIGHT_FAULT=$probe@0:corrupt run --stages tensor,cudnn,compile --gpus 0
      rc_now=$(rc)
      [ "$rc_now" = 1 ] || { echo "$probe:corrupt: expected exit 1, got $rc_now"; exit 1; }
      check "$tmp/r.json" "res(0, '$probe')['outcome'] == 'fail'" || exit 1
    done
    ;;
  empty_visible_devices_fails)
    CUDA_VISIBLE_DEVICES= run
    [ "$(rc)" = 1 ] || { echo "expected exit 1, got $(rc)"; exit 1; }
    check "$tmp/r.json" 'res(None, "host.visible_devices")["outcome"] == "fail"' &&
    check "$tmp/r.json" 'res(None, "driver.cuda_init")["outcome"] == "fail" and "100" in res(None, "driver.cuda_init")["summary"] or "NO_DEVICE" in res(None, "driver.cuda_init")["summary"]' &&
    check "$tmp/r.json" 'len(gpus) == 0 and res(None, "devices.memory")["outcome"] == "skip"'
    ;;
  visible_devices_entries_resolved)
    # Each entry resolved against the GPUs NVML lists, with the map printed.
    n=$(nvidia-smi -L | grep -c '^GPU')
    u=$(nvidia-smi --query-gpu=uuid --format=csv,noheader | head -1)
    bus=$(nvidia-smi --query-gpu=pci.bus_id --format=csv,noheader | head -1)
    CUDA_VISIBLE_DEVICES=$n run --stages host
    [ "$(rc)" = 1 ] || { echo "expected exit 1, got $(rc)"; exit 1; }
    check "$tmp/r.json" "'out of range' in res(None, 'host.visible_devices')['summary'] and '$bus' in res(None, 'host.visible_devices')['summary']" || exit 1
    CUDA_VISIBLE_DEVICES=GPU-00000000-0000-0000-0000-000000000000 run --stages host
    check "$tmp/r.json" "'matches no GPU' in res(None, 'host.visible_devices')['summary']" || exit 1
    CUDA_VISIBLE_DEVICES=${u:0:12} run --stages host
    check "$tmp/r.json" "res(None, 'host.visible_devices')['outcome'] == 'pass'"
    ;;
  expect_more_gpus_fails)
    n=$(nvidia-smi -L | grep -c '^GPU')
    run --expect-gpus $((n + 2))
    [ "$(rc)" = 1 ] || { echo "expected exit 1, got $(rc)"; exit 1; }
    check "$tmp/r.json" 'res(None, "devices.enumerate")["outcome"] == "fail" and "expected" in res(None, "devices.enumerate")["summary"]'
    ;;
  gpu_fault_isolated)
    PREFLIGHT_FAULT=devices.memory@0:crash run
    [ "$(rc)" = 1 ] || { echo "expected exit 1, got $(rc)"; exit 1; }
    check "$tmp/r.json" 'res(0, "devices.memory")["outcome"] == "crash" and res(0, "devices.memory")["signal"] == 11' &&
    check "$tmp/r.json" 'res(0, "devices.arch_coverage")["outcome"] == "pass"' &&
    check "$tmp/r.json" 'res(0, "tensor.known_answer")["skip_reason"] == "blocked"' &&
    check "$tmp/r.json" 'all(g["verdict"] == "pass" for g in gpus[1:])'
    ;;
  nccl_hang_names_rank)
    n=$(nvidia-smi -L | grep -c '^GPU')
    [ "$n" -ge 2 ] || { echo "SKIP: needs 2 GPUs"; exit 77; }
    # --timeout-scale 0.25: the NCCL probe's deadline is 30 s, its soft
    # deadline 24 s (other probes keep enough time for CUDA start on many
    # GPUs). The node result must name rank 1 right after the soft deadline,
    # not at the hard one.
    PREFLIGHT_FAULT=nccl.all_reduce@1:hang run --stages nccl --timeout-scale 0.25
    [ "$(rc)" = 1 ] || { echo "expected exit 1, got $(rc)"; exit 1; }
    check "$tmp/r.json" '"rank 1 (GPU 1): timeout" in res(None, "nccl.all_reduce")["summary"]' &&
    check "$tmp/r.json" 'res(None, "nccl.all_reduce")["duration_ms"] <= 24000 + 1500' &&
    check "$tmp/r.json" 'res(1, "nccl.all_reduce")["outcome"] == "timeout" and "stalled" in res(1, "nccl.all_reduce")["summary"]' &&
    check "$tmp/r.json" 'res(0, "nccl.all_reduce")["outcome"] == "fail" and "soft deadline" in res(0, "nccl.all_reduce")["summary"]' &&
    check "$tmp/r.json" 'all(res(i, "devices.memory")["outcome"] == "pass" for i in range(len(gpus)))'
    ;;
  compile_full)
    # torch.compile cold and warm, and an AOTInductor package made with the
    # installed torch ($PREFLIGHT_AOTI_PACKAGE: one made already), on GPU 0.
    # The oracle is what a job gets: torch's own aoti_load_package in the
    # same environment. Where it loads and runs, the probe must pass (and
    # fail on a corrupted output); where torch itself cannot, the probe must
    # fail with how it ended, and not blame the package's arch or platform
    # (it was built here).
    python3 -c 'import torch' 2>/dev/null || { echo "SKIP: no torch"; exit 77; }
    here=$(cd "$(dirname "$0")/../.." && pwd)
    pkg=${PREFLIGHT_AOTI_PACKAGE:-}
    if [ -z "$pkg" ]; then
      pkg=$tmp/model.pt2
      python3 "$here/bench/make_aoti_package.py" "$pkg" > "$tmp/aoti.log" 2>&1 ||
        { tail -20 "$tmp/aoti.log"; echo "could not make an AOTInductor package"; exit 1; }
    fi
    python3 -X faulthandler -c 'import sys, torch
m = torch._inductor.aoti_load_package(sys.argv[1])
m(torch.randn(8, 256, device="cuda")); torch.cuda.synchronize()' "$pkg" > "$tmp/job.log" 2>&1
    job_rc=$?
    echo "torch's own aoti_load_package on this package: exit $job_rc"
    run --stages compile --gpus 0 --torch-compile --aoti-package "$pkg"
    check "$tmp/r.json" 'res(0, "compile.torch_compile")["outcome"] == "pass"' || exit 1
    if [ "$job_rc" = 0 ]; then
      [ "$(rc)" = 0 ] || { echo "expected exit 0, got $(rc)"; exit 1; }
      check "$tmp/r.json" 'res(0, "compile.aoti_package")["outcome"] == "pass"' || exit 1
      PREFLIGHT_FAULT=compile.aoti_package@0:corrupt run --stages compile --gpus 0 --aoti-package "$pkg"
      check "$tmp/r.json" 'res(0, "compile.aoti_package")["outcome"] == "fail"'
    else
      tail -4 "$tmp/job.log" | cut -c1-200
      ended="failed (exit code $job_rc)"
      [ "$job_rc" -gt 128 ] && ended="crashed with SIG"
      check "$tmp/r.json" 'res(0, "compile.aoti_package")["outcome"] == "fail"' &&
      check "$tmp/r.json" "'$ended' in res(0, 'compile.aoti_package')['summary']" &&
      check "$tmp/r.json" '"ruled out: the package was built for this machine" in res(0, "compile.aoti_package")["remediation"]'
    fi
    ;;
  mpi_two_supervisors)
    # Two supervisors under mpirun, one GPU each, as two nodes: one global
    # communicator of 2 ranks.
    n=$(nvidia-smi -L | grep -c '^GPU')
    [ "$n" -ge 2 ] || { echo "SKIP: needs 2 GPUs"; exit 77; }
    command -v mpirun > /dev/null || { echo "SKIP: no mpirun"; exit 77; }
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    timeout 240 mpirun -np 2 sh -c \
      'CUDA_VISIBLE_DEVICES=$OMPI_COMM_WORLD_LOCAL_RANK exec "$0" --stages nccl --json "$1/m%r.json"' \
      "$bin" "$tmp"
    echo "mpirun exit: $?"
    for r in 0 1; do
      check "$tmp/m$r.json" 'r["host"]["mpi"]["size"] == 2 and res(None, "nccl.all_reduce")["outcome"] == "pass" and res(None, "nccl.all_reduce")["details"]["nranks"] == 2 and res(0, "nccl.all_reduce")["details"]["nranks"] == 2' || exit 1
    done
    ;;
  tcp_exchange_two_processes)
    # Issue 32: two supervisors started as torchrun starts them (one per
    # "node", no MPI) meet through the TCP node exchange. On one GPU a
    # communicator cannot hold it twice, so one node brings the GPU and the
    # other none (CUDA_VISIBLE_DEVICES=""); then the other way round, so
    # that the NCCL id comes from node 1 through node 0. The all-reduce
    # passes on the node with the GPU, and both reports name both nodes.
    for gpu_node in 0 1; do
      p=$("$py" -c 'import socket; s=socket.socket(); s.bind(("", 0)); print(s.getsockname()[1])')
      for r in 0 1; do
        vis=""; [ "$r" = "$gpu_node" ] && vis=0
        CUDA_VISIBLE_DEVICES=$vis RANK=$r WORLD_SIZE=2 LOCAL_RANK=0 LOCAL_WORLD_SIZE=1 \
          MASTER_ADDR=127.0.0.1 MASTER_PORT=$p TORCHELASTIC_RUN_ID=gpu-test \
          timeout 120 "$bin" --stages nccl -q --json "$tmp/x$gpu_node-%r.json" \
          > "$tmp/x$gpu_node-$r.out" 2>&1 &
      done
      wait
      for r in 0 1; do
        echo "GPU on node $gpu_node, node $r: $(cat "$tmp/x$gpu_node-$r.out" | tail -1)"
        "$py" -c 'import json,sys; r=json.load(open(sys.argv[1])); n=[x for x in r["results"] if x["probe"]=="nccl.all_reduce"]; print("   ", r["host"].get("node_exchange"), [(x["outcome"], x["summary"][:160], x.get("details",{}).get("nodes")) for x in n])' "$tmp/x$gpu_node-$r.json"
      done
      check "$tmp/x$gpu_node-$gpu_node.json" 'r["host"]["node_exchange"]["transport"] == "tcp" and "error" not in r["host"]["node_exchange"] and res(None, "nccl.all_reduce")["outcome"] == "pass" and [n["gpu_ranks"] for n in res(None, "nccl.all_reduce")["details"]["nodes"]] == ([1, 0] if r["host"]["node_exchange"]["rank"] == 0 else [0, 1])' || exit 1
      other=$((1 - gpu_node))
      check "$tmp/x$gpu_node-$other.json" 'r["host"]["node_exchange"]["size"] == 2 and "error" not in r["host"]["node_exchange"]' || exit 1
    done
    # A world of one through the same path (torchrun --nnodes=1): no socket.
    RANK=0 WORLD_SIZE=1 MASTER_ADDR=127.0.0.1 MASTER_PORT=1 run --stages nccl
    [ "$(rc)" = 0 ] || { echo "world of one: exit $(rc)"; exit 1; }
    check "$tmp/r.json" 'r["host"]["node_exchange"]["size"] == 1 and res(None, "nccl.all_reduce")["outcome"] == "pass" and len(res(None, "nccl.all_reduce")["details"]["nodes"]) == 1'
    ;;
  nccl_without_background_init)
    # PREFLIGHT_EARLY_NCCL=0: the communicator is made in the all-reduce
    # probe itself, the way it was before issue 8; same verdict, and the
    # probe reports no background init.
    PREFLIGHT_EARLY_NCCL=0 run --stages nccl
    [ "$(rc)" = 0 ] || { echo "expected exit 0 without the background init, got $(rc)"; exit 1; }
    check "$tmp/r.json" 'res(None, "nccl.all_reduce")["outcome"] == "pass" and all("communicator" not in res(i, "nccl.all_reduce")["details"] and res(i, "nccl.all_reduce")["details"].get("nccl_version") for i in range(len(gpus)))'
    ;;
  nccl_stage_alone)
    # --stages nccl with the background init on (the default): the
    # all-reduce probe starts right after devices.memory, so it usually
    # finds the background init still running and must wait for it, not
    # start a second init on the same rendezvous.
    shm_before=$(ls /dev/shm | grep -ci nccl)
    run --stages nccl
    [ "$(rc)" = 0 ] || { echo "expected exit 0, got $(rc)"; exit 1; }
    check "$tmp/r.json" 'res(None, "nccl.all_reduce")["outcome"] == "pass" and all(res(i, "nccl.all_reduce")["outcome"] == "pass" for i in range(len(gpus)))' &&
    background_communicators_ok &&
    check "$tmp/r.json" 'all(res(i, "nccl.all_reduce")["details"]["nranks"] == len(gpus) for i in range(len(gpus)))' || exit 1
    no_nccl_segments_left "$shm_before"
    ;;
  gemm_one_precision_at_a_time)
    # PREFLIGHT_GEMM_SIDE_BY_SIDE=0 (also taken where free memory is short):
    # the same checks one precision at a time, with the same verdict.
    PREFLIGHT_GEMM_SIDE_BY_SIDE=0 run --stages tensor --gpus 0
    [ "$(rc)" = 0 ] || { echo "expected exit 0, got $(rc)"; exit 1; }
    check "$tmp/r.json" 'res(0, "tensor.gemm")["outcome"] == "pass" and res(0, "tensor.gemm")["details"]["checks"] == "one precision at a time" and "fp16_inputs_reference_and_first_product" in res(0, "tensor.gemm")["details"]["phases_ms"]'
    ;;
  crash_in_one_gpus_tensor_stage)
    # cuBLAS GEMM crashes the worker of GPU 1: that probe is a crash, a
    # fresh worker runs GPU 1's other probes, GPU 0 and the all-reduce over
    # both GPUs are untouched.
    n=$(nvidia-smi -L | grep -c '^GPU')
    [ "$n" -ge 2 ] || { echo "SKIP: needs 2 GPUs"; exit 77; }
    PREFLIGHT_FAULT=tensor.gemm@1:crash run --gpus 0,1
    [ "$(rc)" = 1 ] || { echo "expected exit 1, got $(rc)"; exit 1; }
    check "$tmp/r.json" 'res(1, "tensor.gemm")["outcome"] == "crash" and res(1, "tensor.gemm")["signal"] == 11' &&
    check "$tmp/r.json" 'all(res(1, p)["outcome"] == "pass" for p in ("tensor.copy", "cudnn.conv", "compile.cuda_graph"))' &&
    check "$tmp/r.json" 'gpus[0]["verdict"] == "pass" and gpus[1]["verdict"] == "fail"' &&
    check "$tmp/r.json" 'res(None, "nccl.all_reduce")["outcome"] == "pass" and res(None, "nccl.all_reduce")["details"]["nranks"] == 2' &&
    check "$tmp/r.json" 'sum(1 for w in r["timeline"]["workers"] if w.get("gpu_index") == 1) == 2' &&
    # GPU 1's first worker, whose background communicator died with it, is
    # not waited for: GPU 0 goes on at once and the all-reduce gets fresh
    # communicators.
    check "$tmp/r.json" 'res(0, "compile.cuda_graph")["duration_ms"] < 2000' &&
    check "$tmp/r.json" 'all("communicator" not in res(i, "nccl.all_reduce")["details"] for i in (0, 1))'
    ;;
  busy_gpu_reported)
    # Another job holds 70% of GPU 0's memory and saturates it with
    # matmuls: devices.memory fails naming that process, the GPU's probes
    # still run and say they measured a shared GPU; nothing hangs or crashes.
    "$py" -c 'import torch' 2>/dev/null || { echo "SKIP: no torch for the load"; exit 77; }
    uuid=$(nvidia-smi --query-gpu=uuid --format=csv,noheader | head -1)
    start_gpu_load 0.7
    sleep 1  # one NVML utilization sample period with the load running
    start=$(date +%s)
    timeout 300 "$bin" --gpus "$uuid" --stages devices,tensor,cudnn,compile --json "$tmp/r.json"
    echo "exit code: $?" > "$tmp/rc"
    echo "wall: $(( $(date +%s) - start )) s"
    kill $load 2>/dev/null
    [ "$(rc)" = 1 ] || { echo "expected exit 1, got $(rc)"; exit 1; }
    check "$tmp/r.json" 'res(0, "devices.memory")["outcome"] == "fail" and res(0, "devices.memory").get("dependents_may_run") is True' &&
    check "$tmp/r.json" '"PID '"$load_pid"'" in res(0, "devices.memory")["summary"] and "in use by another process" in res(0, "devices.memory")["summary"]' &&
    check "$tmp/r.json" 'any(m["name"] == "used_by_others_fraction" and m["value"] > 0.5 for m in res(0, "devices.memory")["metrics"])' &&
    check "$tmp/r.json" 'res(0, "tensor.gemm")["outcome"] in ("pass", "fail") and res(0, "tensor.gemm")["details"]["measured_on_shared_gpu"]' &&
    check "$tmp/r.json" 'any(m["name"] == "bf16_tflops" for m in res(0, "tensor.gemm")["metrics"])' &&
    check "$tmp/r.json" 'not any(x["outcome"] in ("timeout", "crash", "error") for g in gpus for x in g["results"])'
    ;;
  run_lock_serializes)
    # Two runs started together on one node: both finish with reports, the
    # second waited for the first, and their timed stages did not overlap.
    run_one() { "$bin" --stages tensor --gpus 0 --json "$tmp/$1.json" -q; echo $? > "$tmp/$1.rc"; }
    run_one a & a=$!
    run_one b & b=$!
    wait $a $b
    [ "$(cat "$tmp/a.rc")" = 0 ] && [ "$(cat "$tmp/b.rc")" = 0 ] ||
      { echo "exit codes $(cat "$tmp/a.rc") $(cat "$tmp/b.rc")"; exit 1; }
    "$py" - "$tmp/a.json" "$tmp/b.json" <<'PY'
import json, sys
runs = [json.load(open(p)) for p in sys.argv[1:]]
for r in runs:
    assert r["host"]["run_lock"]["acquired"], "a run went on without the lock"
holder, waiter = sorted(runs, key=lambda r: r["host"]["run_lock"]["waited_ms"])
tensor_end = [s for s in holder["timeline"]["stages"] if s["stage"] == "tensor"][0]["ended_ms"]
waited = waiter["host"]["run_lock"]["waited_ms"]
print(f"holder waited {holder['host']['run_lock']['waited_ms']:.0f} ms; its tensor stage "
      f"ended at {tensor_end:.0f} ms; the other run waited {waited:.0f} ms")
# Both started within a fraction of a second: the waiter got the lock only
# after the holder's timed stage was over.
assert waited >= tensor_end - 500, "the tensor stages overlapped"
PY
    ;;
  hostile_gpu_selection)
    # GPUs that do not exist, by index and by a well-formed UUID: exit 2 with
    # one line naming the GPUs that do exist, no report, and (issue 31)
    # nothing run or printed before it: no header, no result line.
    for sel in 64 GPU-00000000-0000-0000-0000-000000000000 0,GPU-ffffffff 7; do
      start=$(date +%s%N)
      "$bin" --gpus "$sel" --json "$tmp/sel.json" > "$tmp/out" 2> "$tmp/err"
      code=$?
      ms=$(( ($(date +%s%N) - start) / 1000000 ))
      cat "$tmp/err"
      [ "$code" = 2 ] || { echo "--gpus $sel: expected exit 2, got $code"; exit 1; }
      [ "$(wc -l < "$tmp/err")" = 1 ] || { echo "--gpus $sel: not one line"; exit 1; }
      grep -q "does not exist; visible GPUs are 0" "$tmp/err" || { echo "--gpus $sel: unclear"; exit 1; }
      [ ! -e "$tmp/sel.json" ] || { echo "--gpus $sel: a report was written"; exit 1; }
      [ ! -s "$tmp/out" ] || { echo "--gpus $sel: printed before refusing:"; cat "$tmp/out"; exit 1; }
      [ "$ms" -lt 10000 ] || { echo "--gpus $sel: took $ms ms"; exit 1; }
      echo "ok: --gpus $sel refused in $ms ms"
    done
    ;;
  address_space_limit_named)
    # Issue 19: CUDA under `ulimit -v` runs out of address space at start-up;
    # the failure names RLIMIT_AS and its value, not "reinstall the driver".
    (ulimit -v 8000000; run --stages devices)
    [ "$(rc)" = 1 ] || { echo "expected exit 1, got $(rc)"; exit 1; }
    check "$tmp/r.json" 'any("RLIMIT_AS" in x["summary"] and "ulimit -v unlimited" in x.get("remediation", "") for x in r["results"] + [y for g in gpus for y in g["results"]] if x["outcome"] == "fail")' || exit 1
    "$py" -c 'import json,sys; r=json.load(open(sys.argv[1])); [print(" ", x["probe"], x["outcome"], x["summary"], "| fix:", x.get("remediation","")) for x in r["results"] + [y for g in r["gpus"] for y in g["results"]] if x["outcome"] == "fail"]' "$tmp/r.json"
    ;;
  wheel_default_run)
    # Issue 17: the wheel, pip-installed into a fresh venv that sees the
    # machine's torch, passes the default run with the build tree's outcomes
    # in the build tree's time (three alternating runs each, medians), and
    # also where the system's CUDA, cuDNN and NCCL are hidden.
    wheel=${PREFLIGHT_WHEEL:-$(ls "$(dirname "$0")"/../../dist/gpu_preflight-*.whl 2> /dev/null | head -1)}
    [ -n "$wheel" ] && [ -f "$wheel" ] || { echo "SKIP: no wheel (run scripts/package.sh, or set PREFLIGHT_WHEEL)"; exit 77; }
    # Without ensurepip (Debian's python3 without python3-venv) the venv is
    # made bare and this python's pip installs into it (pip --python).
    "$py" -m venv --system-site-packages "$tmp/venv" 2> /dev/null ||
      { rm -rf "$tmp/venv"; "$py" -m venv --without-pip --system-site-packages "$tmp/venv"; } || exit 1
    venv_pip() {
      if [ -x "$tmp/venv/bin/pip" ]; then "$tmp/venv/bin/pip" "$@"; else "$py" -m pip --python "$tmp/venv/bin/python" "$@"; fi
    }
    if ! "$tmp/venv/bin/python" -c 'import torch' 2> /dev/null; then
      # $py is itself a venv's: its torch is in that venv, not the base
      # interpreter's site; the new venv sees it through a .pth, as a venv
      # layered on it would.
      "$py" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])' > "$("$tmp/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/job-torch.pth"
    fi
    "$tmp/venv/bin/python" -c 'import torch; print("venv sees torch", torch.__version__)' || exit 1
    venv_pip install --no-index --quiet "$wheel" || exit 1
    installed="$tmp/venv/bin/gpu-preflight"
    "$installed" --version
    for i in 1 2 3; do
      for which in tree wheel; do
        exe=$bin; [ "$which" = wheel ] && exe=$installed
        start=$(date +%s%N)
        PATH="$tmp/venv/bin:$PATH" "$exe" --json "$tmp/$which$i.json" > "$tmp/$which$i.out" 2>&1
        echo "$which $i exit $? $(( ($(date +%s%N) - start) / 1000000 )) ms" | tee -a "$tmp/times"
      done
    done
    "$py" - "$tmp" <<'PY' || exit 1
import json, statistics, sys
tmp = sys.argv[1]
times = {"tree": [], "wheel": []}
for line in open(f"{tmp}/times"):
    which, _, _, code, ms, _ = line.split()
    assert code == "0", line
    times[which].append(int(ms))
def outcomes(path):
    r = json.load(open(path))
    return {(x.get("gpu_index"), x["probe"]): x["outcome"] for x in r["results"] + [y for g in r["gpus"] for y in g["results"]]}
tree, wheel = outcomes(f"{tmp}/tree1.json"), outcomes(f"{tmp}/wheel1.json")
if tree != wheel:
    sys.exit(f"FAILED: outcomes differ: {set(tree.items()) ^ set(wheel.items())}")
t, w = statistics.median(times["tree"]), statistics.median(times["wheel"])
print(f"ok: same {len(tree)} outcomes; median wall tree {t} ms, wheel {w} ms ({times})")
if w > t * 1.25 + 200:
    sys.exit("FAILED: the wheel is slower than the build tree")
PY
    cp "$tmp/wheel1.out" "$tmp/r.out"; tail -3 "$tmp/r.out"
    hide=""
    for d in /usr/local/cuda /usr/local/cuda-*; do [ -d "$d" ] && hide="$hide mount -t tmpfs none $d;"; done
    for f in /usr/lib/x86_64-linux-gnu/libcudnn* /usr/lib/x86_64-linux-gnu/libnccl* /usr/lib/x86_64-linux-gnu/libcublas* /usr/lib/x86_64-linux-gnu/libnvrtc*; do
      [ -e "$f" ] && hide="$hide mount --bind /dev/null $f;"
    done
    if [ "$(id -u)" = 0 ] && command -v unshare > /dev/null; then
      unshare -m sh -c "$hide PATH=$tmp/venv/bin:\$PATH \"$installed\" --json $tmp/r.json > $tmp/hidden.out 2>&1; echo exit code: \$? > $tmp/rc"
      tail -2 "$tmp/hidden.out"
      all_pass
      check "$tmp/r.json" 'all(not c["path"].startswith("/usr/local/cuda") for c in r["host"]["job_libraries"]["system"].values())' || exit 1
    else
      echo "note: not root or no unshare: the hidden-libraries run is left out"
    fi
    ;;
  refused_device_node_named)
    # Issue 19: a real GPU node the job's user cannot open. A copy of
    # /dev/nvidiactl with mode 0600 is bind-mounted over it in a private
    # mount namespace, and an installed tree runs as nobody: the failure
    # names the node, its mode and the user (NVML's init failure too), not
    # "reinstall the driver" or the driver capabilities.
    { [ "$(id -u)" = 0 ] && command -v unshare > /dev/null && command -v setpriv > /dev/null; } ||
      { echo "SKIP: needs root, unshare and setpriv"; exit 77; }
    mkdir -p "$tmp/dev"
    cp -a /dev/nvidiactl "$tmp/dev/nvidiactl" 2> /dev/null ||
      { echo "SKIP: cannot copy a device node here (no CAP_MKNOD)"; exit 77; }
    chmod 0600 "$tmp/dev/nvidiactl"
    cmake --install "$(dirname "$(dirname "$bin")")" --prefix "$tmp/tree" > /dev/null
    chmod -R a+rX "$tmp/tree" && chmod 777 "$tmp"
    unshare -m sh -c "mount --bind '$tmp/dev/nvidiactl' /dev/nvidiactl &&
      ls -l /dev/nvidiactl && HOME='$tmp' PREFLIGHT_LOCK_FILE='$tmp/lock' setpriv --reuid=65534 --regid=65534 --clear-groups \
      '$tmp/tree/bin/gpu-preflight' --stages host,driver --json '$tmp/r.json'"
    echo "exit code: $?" > "$tmp/rc"
    [ "$(rc)" = 1 ] || { echo "expected exit 1, got $(rc)"; exit 1; }
    "$py" -c 'import json,sys; r=json.load(open(sys.argv[1])); [print(" ", x["probe"], x["outcome"], x["summary"], "| fix:", x.get("remediation","")) for x in r["results"] if x["outcome"] == "fail"]' "$tmp/r.json"
    check "$tmp/r.json" "res(None, 'host.device_nodes')['outcome'] == 'fail' and 'cannot open /dev/nvidiactl (crw------- ' in res(None, 'host.device_nodes')['summary'] and 'uid 65534' in res(None, 'host.device_nodes')['summary']" || exit 1
    check "$tmp/r.json" "any(x['outcome'] == 'fail' and '/dev/nvidiactl (crw-------' in x['summary'] for x in r['results'] if x['probe'].startswith('driver.'))" || exit 1
    check "$tmp/r.json" "all('NVIDIA_DRIVER_CAPABILITIES' not in x.get('remediation', '') for x in r['results'])" || exit 1
    ;;
  rendezvous_settings_tied)
    # Issue 19: an NCCL_COMM_ID that is not host:port fails host.nccl_env,
    # and NCCL's own bootstrap refuses it: nccl.all_reduce's failure names
    # it. torch.distributed's settings appear in the NCCL result.
    NCCL_COMM_ID=nosuchport MASTER_ADDR=127.0.0.1 MASTER_PORT=9 run --stages host,nccl
    "$py" -c 'import json,sys; r=json.load(open(sys.argv[1])); [print(" ", x["probe"], x.get("gpu_index", "-"), x["outcome"], x["summary"], "| fix:", x.get("remediation","")) for x in r["results"] + [y for g in r["gpus"] for y in g["results"]] if x["probe"] in ("host.nccl_env", "nccl.all_reduce")]' "$tmp/r.json"
    check "$tmp/r.json" "res(None, 'host.nccl_env')['outcome'] == 'fail' and 'NCCL_COMM_ID=nosuchport is not host:port' in res(None, 'host.nccl_env')['summary']" || exit 1
    check "$tmp/r.json" "all(res(i, 'nccl.all_reduce')['outcome'] == 'fail' and 'NCCL_COMM_ID=nosuchport' in res(i, 'nccl.all_reduce')['summary'] for i in range(len(gpus)))" || exit 1
    check "$tmp/r.json" "res(None, 'nccl.all_reduce')['details']['nccl_settings']['MASTER_ADDR'] == '127.0.0.1'" || exit 1
    ;;
  nccl_settings_tied)
    # Issue 19: the NCCL settings in force are in the NCCL result, and a
    # failure is tied to the one that explains it, with NCCL's own error.
    for plant in NCCL_SOCKET_IFNAME=nosuch0 NCCL_ALGO=bogus; do
      env "$plant" "$bin" --stages nccl --json "$tmp/r.json" > /dev/null 2>&1
      var=${plant%%=*} value=${plant#*=}
      "$py" -c 'import json,sys; r=json.load(open(sys.argv[1])); [print(" ", sys.argv[2], x["probe"], x.get("gpu_index", "-"), x["outcome"], x["summary"], "| fix:", x.get("remediation","")) for x in r["results"] + [y for g in r["gpus"] for y in g["results"]] if x["probe"] in ("host.nccl_env", "nccl.all_reduce")]' "$tmp/r.json" "$plant"
      check "$tmp/r.json" "res(None, 'nccl.all_reduce')['details']['nccl_settings']['$var'] == '$value'" || exit 1
      check "$tmp/r.json" "all(res(i, 'nccl.all_reduce')['outcome'] == 'pass' or '$plant' in res(i, 'nccl.all_reduce')['summary'] for i in range(len(gpus)))" || exit 1
    done
    NCCL_SOCKET_IFNAME=nosuch0 run --stages host,nccl
    check "$tmp/r.json" "res(None, 'host.nccl_env')['outcome'] == 'fail'" || exit 1
    check "$tmp/r.json" "'NCCL_SOCKET_IFNAME=nosuch0' in res(None, 'nccl.all_reduce')['summary']" || exit 1
    ;;
  slow_gemm_names_what_held_it)
    # Issue 19: a GEMM below its limit says what the NVML samples taken
    # during its timed runs showed (or ruled out). The limit is raised past
    # any GPU through --thresholds; the card's settings are left alone.
    echo '{"schema_version": 1, "metrics": {"tensor.gemm.bf16_tflops": {"at_least": 100000}}}' > "$tmp/t.json"
    run --stages tensor --thresholds "$tmp/t.json"
    [ "$(rc)" = 1 ] || { echo "expected exit 1, got $(rc)"; exit 1; }
    check "$tmp/r.json" 'all(res(i, "tensor.gemm")["outcome"] == "fail" and res(i, "tensor.gemm")["details"]["throttle"]["samples"] >= 4 for i in range(len(gpus)))' || exit 1
    check "$tmp/r.json" 'all(("not throttled" in res(i, "tensor.gemm")["summary"]) or ("held the clocks down" in res(i, "tensor.gemm")["summary"]) or ("compute processes" in res(i, "tensor.gemm")["summary"]) for i in range(len(gpus)))' || exit 1
    # Which power reading it was is recorded (the instantaneous one where
    # NVML has it: a trailing average does not move within the window).
    check "$tmp/r.json" 'all(res(i, "tensor.gemm")["details"]["throttle"].get("power_reading", "").split(" ")[0] in ("instantaneous", "trailing") for i in range(len(gpus)))' || exit 1
    "$py" -c 'import json,sys; r=json.load(open(sys.argv[1])); g=[x for x in r["gpus"][0]["results"] if x["probe"]=="tensor.gemm"][0]; print(" ", g["summary"]); print("  fix:", g["remediation"]); print("  throttle:", json.dumps(g["details"]["throttle"]))' "$tmp/r.json"
    ;;
  shadowing_on_pythonpath)
    # Issue 19: an older cuDNN in an nvidia/ tree on PYTHONPATH is what
    # torch's import-time preload maps: driver.libraries fails naming it and
    # torch's own copy. The system's cuDNN stands in for the older wheel.
    sys_cudnn=$(ls /usr/lib/x86_64-linux-gnu/libcudnn.so.9* 2>/dev/null | head -1)
    [ -n "$sys_cudnn" ] || { echo "SKIP: no system cuDNN to plant"; exit 77; }
    mkdir -p "$tmp/pp/nvidia/cudnn/lib"
    ln -s "$sys_cudnn" "$tmp/pp/nvidia/cudnn/lib/libcudnn.so.9"
    PYTHONPATH="$tmp/pp" run --stages driver
    "$py" -c 'import json,sys; r=json.load(open(sys.argv[1])); x=[x for x in r["results"] if x["probe"]=="driver.libraries"][0]; print(" ", x["outcome"], x["summary"], "| fix:", x.get("remediation",""))' "$tmp/r.json"
    check "$tmp/r.json" "res(None, 'driver.libraries')['outcome'] == 'fail' and '$tmp/pp' in res(None, 'driver.libraries')['summary'] and \"instead of torch's own\" in res(None, 'driver.libraries')['summary']" || exit 1
    ;;
  image_prediction_matches_live)
    # Issue 21: `gpu-preflight image /` (no GPU used: the files, the loaded
    # driver's version, the GPUs' models in /proc) predicts what the live
    # run finds: the same copy of each library, the runtime and the
    # architecture verdicts; again with torch and its wheels hidden (a mount
    # namespace), where both fall back to the system's copies. Then the same
    # image against an older driver and an older GPU, which this machine
    # cannot show live.
    run
    [ "$(rc)" = 0 ] || { echo "the live run did not pass: $(rc)"; exit 1; }
    cp "$tmp/r.json" "$tmp/live.json"
    start=$(date +%s%N)
    "$bin" image / --json "$tmp/image.json"; image_rc=$?
    echo "image / took $(( ($(date +%s%N) - start) / 1000000 )) ms, exit $image_rc"
    [ "$image_rc" = 0 ] || { echo "image / predicted a failure where the live run passed"; exit 1; }
    image_agrees() {  # image_agrees <live report> <image json>
      "$py" - "$1" "$2" <<'PY'
import json, sys
live, image = (json.load(open(p)) for p in sys.argv[1:3])
checks = {c["id"]: c for c in image["checks"]}
jl = live["host"]["job_libraries"]
names = {"cudart": "libcudart", "cublasLt": "cuBLASLt", "cublas": "cuBLAS",
         "cudnn": "cuDNN", "nccl": "NCCL", "nvrtc": "NVRTC"}
bad = []
for fam, name in names.items():
    copy = jl["framework"].get(fam) or jl["system"].get(fam)
    pred = image["stack"].get(name, {})
    got = (copy or {}).get("real_path"); want = pred.get("real_path")
    print(f"  {name:9} live {got}  image {want}  version {pred.get('version')} ({pred.get('version_from')})")
    if got != want: bad.append(name)
def live_res(probe, gpu=None):
    rs = live["results"] if gpu is None else live["gpus"][gpu]["results"]
    return [x for x in rs if x["probe"] == probe][0]
rt = live_res("driver.runtimes"); arch = live_res("devices.arch_coverage", 0)
cc = live["gpus"][0]["compute_capability"].replace(".", "")
print("  runtime: live", rt["outcome"], "| image", checks["image.runtime"]["outcome"], checks["image.runtime"]["summary"])
print("  arch:    live", arch["outcome"], arch["summary"], "| image", checks["image.arch sm_" + cc]["outcome"], checks["image.arch sm_" + cc]["summary"])
if rt["outcome"] != checks["image.runtime"]["outcome"]: bad.append("runtime")
if arch["outcome"] != checks["image.arch sm_" + cc]["outcome"]: bad.append("arch")
if checks["image.libraries"]["outcome"] != live_res("driver.libraries")["outcome"]: bad.append("libraries")
print("  driver: live", live["host"]["driver"]["kernel_module_version"], "CUDA", live["host"]["cuda"]["driver_cuda_version"], "| image target", image["target"]["driver"])
if bad: raise SystemExit("image / disagrees with the live run on: " + ", ".join(bad))
print("ok: image / agrees with the live run")
PY
    }
    image_agrees "$tmp/live.json" "$tmp/image.json" || exit 1
    if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
      site=$("$py" -c 'import torch, os; print(os.path.dirname(os.path.dirname(torch.__file__)))')
      unshare -m sh -c "mount -t tmpfs none $site; \"$bin\" -q --json $tmp/live-notorch.json; \"$bin\" image / -q --json $tmp/image-notorch.json"
      echo "with torch and its wheels hidden:"
      image_agrees "$tmp/live-notorch.json" "$tmp/image-notorch.json" || exit 1
    fi
    "$bin" image / --driver 535.104.05 --gpu sm_70,sm_90 --json "$tmp/old.json"; old_rc=$?
    [ "$old_rc" = 1 ] || { echo "expected exit 1 for R535 + sm_70, got $old_rc"; exit 1; }
    check_image() { "$py" -c 'import json,sys; c={x["id"]:x for x in json.load(open(sys.argv[1]))["checks"]}; sys.exit(0 if eval(sys.argv[2]) else 1)' "$@"; }
    check_image "$tmp/old.json" 'c["image.runtime"]["outcome"] == "fail" and c["image.arch sm_70"]["outcome"] == "fail" and c["image.arch sm_90"]["outcome"] == "pass"' ||
      { echo "R535/sm_70 not predicted"; exit 1; }
    echo "ok: R535 and sm_70 predicted to fail"
    ;;
  history_drift_gated)
    # Issue 21: --history keeps each run and judges each GPU against its own
    # median. Three healthy runs, then one while another process loads the
    # GPU (a real slowdown): its GEMM fails against the history, with the
    # history shown; a healthy run after it passes again.
    "$py" -c 'import torch' 2>/dev/null || { echo "SKIP: no torch for the load"; exit 77; }
    uuid=$(nvidia-smi --query-gpu=uuid --format=csv,noheader | head -1)
    hist="$tmp/history"
    for i in 1 2 3; do
      "$bin" --gpus "$uuid" --stages tensor --history "$hist" -q --json "$tmp/h$i.json" || { echo "healthy run $i failed"; exit 1; }
    done
    check "$tmp/h3.json" 'r["host"]["history"]["earlier_runs"] == 2'
    start_gpu_load 0.3
    "$bin" --gpus "$uuid" --stages tensor --history "$hist" --json "$tmp/slow.json"
    echo "slow run exit: $?"
    kill $load; wait $load 2>/dev/null
    "$py" -c 'import json,sys; r=json.load(open(sys.argv[1])); g=[x for x in r["gpus"][0]["results"] if x["probe"]=="tensor.gemm"][0]; print("  gemm:", g["outcome"], g["summary"]); print("  history:", json.dumps(g["details"].get("history",{}))[:1200])' "$tmp/slow.json"
    # Which precisions fall depends on the load (its bf16 matmuls contend
    # with ours); at least one must have, and be shown with its history.
    check "$tmp/slow.json" 'res(0, "tensor.gemm")["outcome"] == "fail" and "below this GPU" in res(0, "tensor.gemm")["summary"] and all(h["earlier_runs"] == 3 for h in res(0, "tensor.gemm")["details"]["history"].values())' || exit 1
    check "$tmp/slow.json" 'any(m["name"].endswith("_vs_history") and m["within_limit"] is False for m in res(0, "tensor.gemm")["metrics"])' || exit 1
    check "$tmp/slow.json" 'res(0, "tensor.gemm")["remediation"].count("slower than it used to be") == 1' || exit 1
    "$bin" --gpus "$uuid" --stages tensor --history "$hist" -q --json "$tmp/after.json"; after_rc=$?
    "$py" -c 'import json,sys; r=json.load(open(sys.argv[1])); g=[x for x in r["gpus"][0]["results"] if x["probe"]=="tensor.gemm"][0]; print("  after:", g["outcome"], [ (m["name"], round(m["value"],3)) for m in g["metrics"] if m["name"].endswith("_vs_history")])' "$tmp/after.json"
    [ "$after_rc" = 0 ] || { echo "the healthy run after the slow one failed"; exit 1; }
    ls "$hist"
    ;;
  job_fate_agrees)
    # Issue 30: each fault planted for real, then the job's own first steps
    # (import torch, a CUDA tensor, a one-rank NCCL all-reduce) beside the
    # default run under the same plant. The verdicts must agree: the job
    # fails exactly where gpu-preflight fails. Both outputs are printed.
    cat > "$tmp/job.py" <<'PY'
import os, torch, torch.distributed as dist
x = torch.randn(1 << 20, device="cuda")
torch.cuda.synchronize()
dist.init_process_group("nccl", init_method="tcp://127.0.0.1:29517", rank=0, world_size=1)
dist.all_reduce(x)
torch.cuda.synchronize()
print("JOB OK: sum", float(x.sum()), "NCCL", torch.cuda.nccl.version())
dist.destroy_process_group()
PY
    mkdir -p "$tmp/raise/torch" "$tmp/other/torch" "$tmp/empty/torch" "$tmp/nccl"
    echo 'raise ImportError("libtorch_cuda.so: cannot open shared object file (planted)")' > "$tmp/raise/torch/__init__.py"
    echo 'tensor = None' > "$tmp/other/torch/__init__.py"
    echo 'int ncclGetVersion(int* v) { *v = 22809; return 0; }' > "$tmp/nccl/n.c"
    cc -shared -fPIC -Wl,-soname,libnccl.so.2 -o "$tmp/nccl/libnccl.so.2" "$tmp/nccl/n.c" || exit 1
    sys_nccl=$(ls /usr/lib/x86_64-linux-gnu/libnccl.so.2* 2>/dev/null | head -1)
    disagree=0
    fate() { job_fate "$tmp/job.py" "$@"; }
    fate "nothing planted" X_PREFLIGHT_PLANT=none
    fate "torch/ on PYTHONPATH that raises" PYTHONPATH="$tmp/raise"
    fate "torch/ on PYTHONPATH that is not PyTorch" PYTHONPATH="$tmp/other"
    fate "empty torch/ on PYTHONPATH" PYTHONPATH="$tmp/empty"
    fate "LD_PRELOAD: a libnccl.so.2 without ncclRecv" LD_PRELOAD="$tmp/nccl/libnccl.so.2"
    [ -n "$sys_nccl" ] && fate "LD_PRELOAD: the system's NCCL ($sys_nccl)" LD_PRELOAD="$sys_nccl"
    fate "LD_PRELOAD: a file that does not exist" LD_PRELOAD=/nonexistent/libmissing.so
    fate "CUDA_LAUNCH_BLOCKING=1 (a warn: the job runs)" CUDA_LAUNCH_BLOCKING=1
    # TF32 off: the job runs; the TF32 rate falls to the FP32 rate, and its
    # cause must be the setting, not the GPU (a warn).
    fate "NVIDIA_TF32_OVERRIDE=0 (a warn: the job runs)" NVIDIA_TF32_OVERRIDE=0
    "$py" -c 'import json,sys; r=json.load(open(sys.argv[1])); [print("    ", x["probe"], x["outcome"], x["summary"][:400]) for g in r["gpus"] for x in g["results"] if x["probe"] == "tensor.gemm"]' "$tmp/r.json"
    check "$tmp/r.json" 'res(0, "tensor.gemm")["outcome"] in ("pass", "warn") and (res(0, "tensor.gemm")["outcome"] == "pass" or "NVIDIA_TF32_OVERRIDE=0" in res(0, "tensor.gemm")["summary"])' || disagree=1
    # torch rejects an unknown allocator key at the first allocation; the
    # cause must be torch's own words, naming the variable, and no sibling
    # probe of the worker may crash after it.
    fate "PYTORCH_CUDA_ALLOC_CONF with an unknown key" PYTORCH_CUDA_ALLOC_CONF=foo:1
    "$py" -c 'import json,sys; r=json.load(open(sys.argv[1])); [print("    ", x["probe"], x["outcome"], x["summary"][:300]) for g in r["gpus"] for x in g["results"] if x["probe"] in ("tensor.torch_block","compile.torch_graph","nccl.all_reduce")]' "$tmp/r.json"
    check "$tmp/r.json" 'res(0, "tensor.torch_block")["outcome"] == "fail" and "PYTORCH_CUDA_ALLOC_CONF=foo:1" in res(0, "tensor.torch_block")["summary"] and "worker" not in res(0, "compile.torch_graph")["summary"].split(":")[0]' || disagree=1
    fate "ulimit -n 40" sh -c 'ulimit -n 40; exec "$@"' sh
    # A full TMPDIR: a 1 MiB tmpfs filled up, in a mount namespace (root
    # here). Eager jobs run; the compile path is a warn at this level.
    mkdir -p "$tmp/full"
    fate "TMPDIR on a full filesystem" unshare -m sh -c 'mount -t tmpfs -o size=1m tmpfs "$0" && dd if=/dev/zero of="$0/fill" bs=64k 2>/dev/null; TMPDIR="$0" exec "$@"' "$tmp/full"
    grep -E "host.c_compiler" "$tmp/out.txt" | head -2 | cut -c1-300 | sed 's/^/     /'
    [ "$disagree" = 0 ] || { echo "the verdict disagreed with the job's fate"; exit 1; }
    ;;
  compile_path_fate_agrees)
    # Issue 30: torch.compile's path, exercised. Faults from public bug
    # reports are planted for real; under each, a job compiles one function
    # with torch.compile, and compile.triton_kernel (--torch-compile) goes
    # beside it. It must fail exactly where the job fails, naming the
    # library's or the compiler's own words. Both outputs are printed.
    "$py" -c 'import torch, triton' 2>/dev/null || { echo "SKIP: no torch with Triton"; exit 77; }
    cat > "$tmp/compile_job.py" <<'PY'
import torch
@torch.compile
def f(x):
    return torch.nn.functional.gelu(x) * 2.0 + 1.0
x = torch.randn(1 << 16, device="cuda")
y = f(x)
torch.cuda.synchronize()
assert torch.allclose(y, torch.nn.functional.gelu(x) * 2.0 + 1.0, atol=1e-5)
print("JOB OK: compiled and matched")
PY
    # --stages takes stages: the compile stage without torch.compile itself
    # (tens of seconds) and without an AOTInductor package.
    triton_only=(--stages compile --skip compile.torch_compile,compile.aoti_package --torch-compile)
    triton_quick=(--stages compile --skip compile.aoti_package)
    include=$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')
    echo "Python headers: $include"
    disagree=0; n=0
    timeout=$(command -v timeout)  # absolute: one plant empties PATH
    compile_fate() {  # compile_fate <label> <command prefix...>
      local label=$1; shift
      n=$((n + 1))
      # Caches of their own for the job and for the run, in a directory the
      # plant may mount over: empty (as in a fresh container), or both a
      # copy of one warmed cache where WARM is set (as where the job has
      # compiled before: Triton's driver utilities and launcher are built
      # once per cache).
      local caches="$tmp/caches$n"; mkdir -p "$caches"
      if [ -n "${WARM:-}" ]; then
        cp -a "$tmp/warm" "$caches/tj"; cp -a "$tmp/warm" "$caches/tt"
      fi
      job_out=$(env TORCHINDUCTOR_CACHE_DIR="$caches/ij" TRITON_CACHE_DIR="$caches/tj" "$@" "$timeout" 300 "$py" "$tmp/compile_job.py" 2>&1); job_rc=$?
      echo "== $label${WARM:+ (warm Triton cache)}"
      echo "   job: exit $job_rc: $(echo "$job_out" | grep -E 'JOB OK|Error|error' | tail -1 | cut -c1-300)"
      # Through torch (--torch-compile): fail where the job fails. At the
      # quick level (Triton's own driver, no torch import): warn there.
      local level expected
      for level in torch-compile quick; do
        local flags=("${triton_only[@]}") broken=fail
        [ $level = quick ] && flags=("${triton_quick[@]}") broken=warn
        # Each level in a cache state of its own, as the job found it.
        rm -rf "$caches/tt"; [ -n "${WARM:-}" ] && cp -a "$tmp/warm" "$caches/tt"
        env TORCHINDUCTOR_CACHE_DIR="$caches/it" TRITON_CACHE_DIR="$caches/tt" "$@" "$timeout" 120 "$bin" "${flags[@]}" --json "$tmp/c.json" > "$tmp/cout.txt" 2>&1; pf_rc=$?
        if [ -f "$tmp/c.json" ]; then
          verdict=$("$py" -c 'import json,sys; r=json.load(open(sys.argv[1])); t=[x for x in r["results"] if x["probe"]=="compile.triton_kernel"][0]; print(t["outcome"]); print(t["summary"]); print(t.get("remediation",""))' "$tmp/c.json" 2>&1)
        else  # no report is a verdict of its own: show what the run printed
          verdict=$(printf 'no-report\n%s\n' "$(tail -2 "$tmp/cout.txt" | tr '\n' ' ')")
        fi
        rm -f "$tmp/c.json"
        outcome=$(echo "$verdict" | head -1)
        echo "   gpu-preflight ($level): exit $pf_rc: compile.triton_kernel $outcome: $(echo "$verdict" | sed -n 2p | cut -c1-500)"
        echo "     fix: $(echo "$verdict" | sed -n 3p | cut -c1-300)"
        expected=pass; [ "$job_rc" = 0 ] || expected=$broken
        if [ "$outcome" != "$expected" ]; then
          echo "   DISAGREE (expected $expected)"; disagree=1
        fi
      done
    }
    # One warmed Triton cache, copied where a plant runs warm.
    TRITON_CACHE_DIR="$tmp/warm" "$bin" "${triton_only[@]}" -q --json "$tmp/w.json" > /dev/null 2>&1
    compile_fate "nothing planted" X_PREFLIGHT_PLANT=none
    if [ "${PREFLIGHT_COMPILE_PLANTS:-all}" = quick ]; then
      # The plants where a fresh and a warm cache part ways, for a short
      # device call.
      compile_fate "no C compiler on PATH" PATH="$(dirname "$py"):/usr/local/cuda/bin"
      compile_fate "the job's Python headers missing" unshare -m sh -c 'mount -t tmpfs tmpfs "$0" && exec "$@"' "$include"
      compile_fate "the caches on a noexec mount" unshare -m sh -c 'mkdir -p "$0" && mount -t tmpfs -o noexec tmpfs "$0" && exec "$@"' "$tmp/caches$((n + 1))"
      WARM=1 compile_fate "the job's Python headers missing" unshare -m sh -c 'mount -t tmpfs tmpfs "$0" && exec "$@"' "$include"
    else
      # "RuntimeError: Failed to find C compiler" in slim runtime images.
      compile_fate "no C compiler on PATH" PATH="$(dirname "$py"):/usr/local/cuda/bin"
      # CC left pointing at a compiler of another toolchain.
      compile_fate "CC names a compiler that is not there" CC=/opt/toolchain/bin/gcc-13
      # "fatal error: Python.h: No such file or directory".
      compile_fate "the job's Python headers missing" unshare -m sh -c 'mount -t tmpfs tmpfs "$0" && exec "$@"' "$include"
      # TRITON_PTXAS_PATH left at a tool that does not work.
      compile_fate "TRITON_PTXAS_PATH at a ptxas that fails" TRITON_PTXAS_PATH=/bin/false
      # "failed to map segment from shared object": the cache on noexec.
      compile_fate "the caches on a noexec mount" unshare -m sh -c 'mkdir -p "$0" && mount -t tmpfs -o noexec tmpfs "$0" && exec "$@"' "$tmp/caches$((n + 1))"
      # A full TMPDIR: Triton builds its launcher there.
      mkdir -p "$tmp/fullc"
      compile_fate "TMPDIR on a full filesystem" unshare -m sh -c 'mount -t tmpfs -o size=1m tmpfs "$0" && dd if=/dev/zero of="$0/fill" bs=64k 2>/dev/null; TMPDIR="$0" exec "$@"' "$tmp/fullc"
      # Where the job has compiled before, a missing compiler or missing
      # headers do not stop it: Triton built what needs them once.
      WARM=1 compile_fate "no C compiler on PATH" PATH="$(dirname "$py"):/usr/local/cuda/bin"
      WARM=1 compile_fate "the job's Python headers missing" unshare -m sh -c 'mount -t tmpfs tmpfs "$0" && exec "$@"' "$include"
    fi
    # The check of the check: a corrupted output must fail.
    PREFLIGHT_FAULT=compile.triton_kernel:corrupt "$bin" "${triton_only[@]}" --json "$tmp/corrupt.json" > /dev/null 2>&1
    check "$tmp/corrupt.json" 'res(None, "compile.triton_kernel")["outcome"] == "fail" and "wrong values" in res(None, "compile.triton_kernel")["summary"]' || exit 1
    PREFLIGHT_FAULT=compile.triton_kernel:corrupt "$bin" "${triton_quick[@]}" --json "$tmp/corrupt.json" > /dev/null 2>&1
    check "$tmp/corrupt.json" 'res(None, "compile.triton_kernel")["outcome"] == "fail" and "wrong values" in res(None, "compile.triton_kernel")["summary"]' || exit 1
    [ "$disagree" = 0 ] || { echo "compile.triton_kernel disagreed with the job's fate"; exit 1; }
    ;;
  cudnn_fate_agrees)
    # Issue 30: cuDNN's own words. Parts of the cuDNN the job's torch loads
    # are hidden for real (a mount namespace puts /dev/null over one
    # sub-library: "file too short", as a truncated download or a layer
    # that lost a file leaves it); under each, a job runs one cuDNN
    # convolution and the default run goes beside it. They must agree, and
    # a failing cuDNN result must carry cuDNN's words (cudnnGetLastErrorString,
    # "cuDNN says") or name the library that did not load.
    cat > "$tmp/conv_job.py" <<'PY'
import torch
torch.backends.cudnn.enabled = True
torch.backends.cudnn.allow_tf32 = False  # FP32 math: a tolerance that means something
x = torch.randn(8, 16, 32, 32, device="cuda")
w = torch.randn(32, 16, 3, 3, device="cuda")
y = torch.nn.functional.conv2d(x, w, padding=1)
torch.cuda.synchronize()
ref = torch.nn.functional.conv2d(x.double().cpu(), w.double().cpu(), padding=1)
err = float((y.double().cpu() - ref).norm() / ref.norm())
assert err < 1e-4, f"relative error {err:.3g}"
print("JOB OK: cuDNN", torch.backends.cudnn.version(), f"relative error {err:.2g}")
PY
    cudnn_dir=$("$py" - <<'PY'
import os, torch
torch.nn.functional.conv2d(torch.randn(1, 1, 4, 4, device="cuda"), torch.randn(1, 1, 3, 3, device="cuda"))
torch.cuda.synchronize()
for line in open("/proc/self/maps"):
    if "libcudnn.so" in line:
        print(os.path.dirname(line.split()[-1])); break
PY
)
    [ -d "$cudnn_dir" ] || { echo "SKIP: the job's torch maps no cuDNN"; exit 77; }
    echo "the job's cuDNN: $cudnn_dir"
    # A reinstall remedy names the cuDNN packages of the CUDA torch's cuDNN
    # was built for (rules/cuda_packages.h), not another major's.
    cuda_major=$("$py" -c 'import torch; print(torch.version.cuda.split(".")[0])')
    cudnn_pkg_ok="all(('nvidia-cudnn-cu$cuda_major' in x['remediation']) for x in r['results'] + [y for g in gpus for y in g['results']] if x['probe'].startswith('cudnn.') and x['outcome'] == 'fail' and 'nvidia-cudnn-cu' in x.get('remediation', ''))"
    disagree=0
    job_fate "$tmp/conv_job.py" "nothing planted" X_PREFLIGHT_PLANT=none
    for lib in libcudnn_cnn.so.9 libcudnn_engines_precompiled.so.9 libcudnn_graph.so.9 libcudnn_ops.so.9 libcudnn_heuristic.so.9; do
      [ -e "$cudnn_dir/$lib" ] || { echo "(no $lib here)"; continue; }
      job_fate "$tmp/conv_job.py" "$lib hidden" unshare -m sh -c 'mount --bind /dev/null "$0" && exec "$@"' "$cudnn_dir/$lib"
      # What cudnn.library saw: the file each part came from, the version
      # cuDNN reports.
      "$py" -c 'import json, sys
d = {x["probe"]: x for x in json.load(open(sys.argv[1]))["results"]}.get("cudnn.library", {}).get("details", {})
print("     cudnn.library saw:", {k: d.get(k) for k in ("version", "own_version", "sublibraries", "sublibrary_files")})' "$tmp/r.json" | cut -c1-600
      if [ "$pf_rc" != 0 ]; then
        check "$tmp/r.json" "any(x['probe'].startswith('cudnn.') and x['outcome'] == 'fail' and ('cuDNN says' in x['summary'] or '$lib' in x['summary']) for x in r['results'] + [y for g in gpus for y in g['results']])" || disagree=1
        check "$tmp/r.json" "$cudnn_pkg_ok" || disagree=1
      fi
    done
    # Another installation's cuDNN ahead of torch's on LD_LIBRARY_PATH (the
    # loader searches it before a DT_RUNPATH): the "cuDNN version
    # incompatibility" of many public reports.
    other_cudnn=$(ldconfig -p | awk '/libcudnn_graph\.so\.9 /{print $NF; exit}')
    other_dir=$(dirname "$(readlink -f "${other_cudnn:-/nonexistent}")")
    if [ -n "$other_cudnn" ] && [ "$other_dir" != "$(readlink -f "$cudnn_dir")" ]; then
      job_fate "$tmp/conv_job.py" "the system's cuDNN ($other_dir) on LD_LIBRARY_PATH" LD_LIBRARY_PATH="$other_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
      if [ "$pf_rc" != 0 ]; then
        check "$tmp/r.json" "any(x['probe'] in ('cudnn.library', 'driver.libraries') and x['outcome'] == 'fail' and '$other_dir' in x['summary'] for x in r['results'])" || disagree=1
      fi
    else
      echo "(no second cuDNN in the loader's cache)"
    fi
    [ "$disagree" = 0 ] || { echo "the verdict disagreed with the job's convolution, or a cuDNN failure lacked cuDNN's words"; exit 1; }
    ;;
  rendezvous_fate_agrees)
    # Issue 30: torch.distributed's rendezvous as the job's rank 0 meets it,
    # with faults from public bug reports planted for real: the port taken
    # ("EADDRINUSE" from torchrun restarts), a MASTER_ADDR that does not
    # resolve, a MASTER_PORT that is not a number. The job (env:// init,
    # one rank, a NCCL all-reduce) and the default run go side by side; they
    # must agree, and gpu-preflight must give the socket's or torch's words.
    cat > "$tmp/rdzv_job.py" <<'PY'
import datetime, torch, torch.distributed as dist
dist.init_process_group("nccl", init_method="env://", rank=0, world_size=1,
                        timeout=datetime.timedelta(seconds=20))
x = torch.ones(4, device="cuda")
dist.all_reduce(x)
torch.cuda.synchronize()
print("JOB OK", float(x.sum()))
dist.destroy_process_group()
PY
    free_port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("", 0)); print(s.getsockname()[1])')
    "$py" -c 'import socket,sys,time; s=socket.socket(); s.bind(("", int(sys.argv[1]))); s.listen(); print("held", flush=True); time.sleep(600)' 29555 > "$tmp/held.log" 2>&1 &
    holder=$!
    trap 'kill $holder 2>/dev/null; rm -rf "$tmp"' EXIT
    for _ in $(seq 50); do grep -q held "$tmp/held.log" && break; sleep 0.1; done
    disagree=0
    rdzv() { job_fate "$tmp/rdzv_job.py" "$@"; }
    rdzv "a free port on this host" MASTER_ADDR=127.0.0.1 MASTER_PORT="$free_port"
    rdzv "MASTER_PORT held by another process" MASTER_ADDR=127.0.0.1 MASTER_PORT=29555
    rdzv "MASTER_ADDR that does not resolve" MASTER_ADDR=trainer-0.nosuch.invalid MASTER_PORT="$free_port"
    rdzv "MASTER_PORT that is not a number" MASTER_ADDR=127.0.0.1 MASTER_PORT=29x00
    kill $holder 2>/dev/null
    [ "$disagree" = 0 ] || { echo "the verdict disagreed with the rendezvous the job met"; exit 1; }
    ;;
  *)
    echo "unknown GPU test $name"; exit 2 ;;
esac
