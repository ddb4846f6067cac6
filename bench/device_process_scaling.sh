#!/bin/bash
# On a GPU machine: how the driver's per-process costs (cuInit, context
# creation, exit) queue as the number of CUDA processes grows, with more
# processes than GPUs where the machine is small (process i on GPU i % n).
# gpu-preflight runs one worker per GPU, so this is what a run on more GPUs
# would add. Prints bench/cuda_init_cost.py (par-one, par-one-held) and
# bench/cuda_exit_cost.py (ctx, ctx-mem) for PROCS (default "2 4").
# Usage, from the repository root: bash bench/device_process_scaling.sh
set -uo pipefail
for p in ${PROCS:-2 4}; do
  echo "== $p processes"
  python3 bench/cuda_init_cost.py --repeat "${REPEAT:-3}" --procs "$p" \
    --scenarios par-one,par-one-held
  python3 bench/cuda_exit_cost.py --repeat "${REPEAT:-3}" --procs "$p" \
    --kinds ctx,ctx-mem
done
