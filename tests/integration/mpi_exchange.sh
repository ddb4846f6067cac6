#!/bin/sh
# Two supervisors under mpirun agree on the collective stage through the
# MPI bridge and both finish with their own report, also where no GPU is
# present (the exchange must not hang). Skipped (77) without mpirun or the
# bridge module.
set -eu
bin="$1"
command -v mpirun > /dev/null || { echo "SKIP: no mpirun"; exit 77; }
[ -e "$(dirname "$bin")/../lib/gpu-preflight/libpreflight-mpi.so" ] ||
  { echo "SKIP: MPI bridge not built"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Each rank sees at most one GPU, as on two nodes.
timeout 120 mpirun --oversubscribe -np 2 sh -c \
  'CUDA_VISIBLE_DEVICES=${OMPI_COMM_WORLD_LOCAL_RANK:-0} exec "$0" --stages nccl -q --json "$1/r%r.json"' \
  "$bin" "$tmp" || true
for rank in 0 1; do
  test -s "$tmp/r$rank.json" || { echo "FAIL: rank $rank wrote no report"; exit 1; }
done
python3 - "$tmp" <<'PY'
import json, sys
for rank in (0, 1):
    r = json.load(open(f"{sys.argv[1]}/r{rank}.json"))
    mpi = r["host"]["mpi"]
    assert mpi["rank"] == rank and mpi["size"] == 2, mpi
    nccl = [x for x in r["results"] if x["probe"] == "nccl.all_reduce"]
    assert nccl, "nccl.all_reduce missing"
    print(f"rank {rank}: nccl.all_reduce {nccl[0]['outcome']}: {nccl[0]['summary']}")
PY
echo "OK: both supervisors reported"
