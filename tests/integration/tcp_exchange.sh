#!/bin/sh
# The TCP node exchange through the real binary, without MPI: supervisors
# started as torchrun and srun start them (their variables set by hand, one
# process per "node" on this host) meet at node 0's rendezvous and finish
# with one report each, naming the exchange; a node that never arrives is
# named in the reports of the nodes that did, before their deadline; a
# malformed rendezvous address is refused before anything runs. No GPU is
# needed: a node without GPUs still joins the exchange, as the others wait
# for it there.
set -u
bin="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("", 0)); print(s.getsockname()[1])'; }
fail() { echo "FAIL: $*"; exit 1; }
field() {  # field <report> <python expression on h = host.node_exchange>
  python3 - "$1" "$2" <<'PY'
import json, sys
h = json.load(open(sys.argv[1]))["host"].get("node_exchange", {})
print(eval(sys.argv[2]))
PY
}

# torchrun's layout: 2 nodes; node 0 listens at MASTER_PORT + 1.
p=$(port)
for r in 0 1; do
  RANK=$r WORLD_SIZE=2 LOCAL_RANK=0 LOCAL_WORLD_SIZE=1 GROUP_RANK=$r \
    MASTER_ADDR=127.0.0.1 MASTER_PORT=$p TORCHELASTIC_RUN_ID=t1 \
    timeout 60 "$bin" --stages nccl -q --json "$tmp/t%r.json" > "$tmp/t$r.out" 2>&1 &
done
wait
for r in 0 1; do
  test -s "$tmp/t$r.json" || fail "torchrun node $r wrote no report: $(cat "$tmp/t$r.out")"
  got=$(field "$tmp/t$r.json" '(h.get("transport"), h.get("rank"), h.get("size"), h.get("via"), "error" in h)')
  echo "torchrun node $r: $got"
  [ "$got" = "('tcp', $r, 2, 'TCP rendezvous at 127.0.0.1:$((p + 1))', False)" ] || fail "torchrun node $r: $got"
done

# srun's layout, 3 tasks, the address given; node 2 never starts.
p=$(port)
for r in 0 1; do
  SLURM_STEP_ID=0 SLURM_PROCID=$r SLURM_NTASKS=3 SLURM_JOB_ID=42 \
    SLURM_JOB_NODELIST='n[0-2]' PREFLIGHT_RENDEZVOUS=127.0.0.1:$p \
    timeout 60 "$bin" --stages nccl -q --timeout-scale 0.03 --json "$tmp/s%r.json" > "$tmp/s$r.out" 2>&1 &
done
wait
for r in 0 1; do
  test -s "$tmp/s$r.json" || fail "srun node $r wrote no report: $(cat "$tmp/s$r.out")"
  err=$(field "$tmp/s$r.json" 'h.get("error", "")')
  echo "srun node $r: $err"
  case "$err" in *"node rank 2 of 3 never reached"*) ;; *) fail "srun node $r does not name node 2: $err" ;; esac
done

# A malformed address: exit 2, one line, nothing written.
out=$(SLURM_STEP_ID=0 SLURM_PROCID=0 SLURM_NTASKS=2 PREFLIGHT_RENDEZVOUS=node0 \
  timeout 20 "$bin" --stages nccl --json "$tmp/bad.json" 2>&1)
rc=$?
echo "malformed: exit $rc: $out"
[ "$rc" = 2 ] || fail "expected exit 2, got $rc"
[ "$(printf '%s\n' "$out" | wc -l)" = 1 ] || fail "expected one line"
test ! -e "$tmp/bad.json" || fail "a report was written"
echo "ok"
