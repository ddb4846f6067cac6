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
rc() { sed 's/exit code: //' "$tmp/rc"; }

case "$name" in
  default_run_passes)
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
    check "$tmp/r.json" 'res(None, "nccl.all_reduce")["outcome"] == "pass" and all(res(i, "nccl.all_reduce")["outcome"] == "pass" for i in range(len(gpus)))' &&
    check "$tmp/r.json" 'all(m["within_limit"] for g in gpus for x in g["results"] for m in x["metrics"] if "limit" in m)'
    ;;
  corrupt_results_fail)
    # Each check must be able to fail: damage one value of each result.
    probes="tensor.known_answer tensor.gemm tensor.copy cudnn.conv compile.cuda_graph compile.nvrtc"
    # The libtorch module exists where the build found torch.
    [ -e "$(dirname "$bin")/../lib/gpu-preflight/libpreflight-torch.so" ] &&
      probes="$probes tensor.torch_block compile.torch_graph"
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
    # installed torch, on GPU 0; then the package check must be able to fail.
    python3 -c 'import torch' 2>/dev/null || { echo "SKIP: no torch"; exit 77; }
    here=$(cd "$(dirname "$0")/../.." && pwd)
    python3 "$here/bench/make_aoti_package.py" "$tmp/model.pt2" > "$tmp/aoti.log" 2>&1 ||
      { tail -20 "$tmp/aoti.log"; echo "could not make an AOTInductor package"; exit 1; }
    run --stages compile --gpus 0 --torch-compile --aoti-package "$tmp/model.pt2"
    [ "$(rc)" = 0 ] || { echo "expected exit 0, got $(rc)"; }
    check "$tmp/r.json" 'res(0, "compile.aoti_package")["outcome"] == "pass"' &&
    check "$tmp/r.json" 'res(0, "compile.torch_compile")["outcome"] == "pass"' || exit 1
    PREFLIGHT_FAULT=compile.aoti_package@0:corrupt run --stages compile --gpus 0 --aoti-package "$tmp/model.pt2"
    check "$tmp/r.json" 'res(0, "compile.aoti_package")["outcome"] == "fail"'
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
  *)
    echo "unknown GPU test $name"; exit 2 ;;
esac
