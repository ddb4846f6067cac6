#!/bin/bash
# Slurm prolog (slurm.conf: Prolog=/etc/slurm/prolog.d/gpu-preflight.sh):
# checks the node's GPUs before each job; on failure drains the node with
# the first failure as the reason and fails the prolog (the job is requeued
# elsewhere). Reports go to /var/log/gpu-preflight/.
set -u
out=/var/log/gpu-preflight
mkdir -p "$out"
report="$out/${SLURM_JOB_ID:-manual}.json"
if /opt/gpu-preflight/bin/gpu-preflight -q --stages host,driver,devices,tensor \
    --json "$report" > "$out/last.txt" 2>&1; then
  exit 0
fi
reason=$(python3 -c 'import json,sys
r = json.load(open(sys.argv[1]))
fails = [x for x in r["results"] + [y for g in r["gpus"] for y in g["results"]]
         if x["outcome"] not in ("pass", "skip")]
print(("gpu-preflight: " + fails[0]["probe"] + ": " + fails[0]["summary"])[:200] if fails else "gpu-preflight failed")' "$report" 2>/dev/null || echo "gpu-preflight failed")
scontrol update nodename="$(hostname -s)" state=drain reason="$reason"
exit 1
