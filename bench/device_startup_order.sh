#!/bin/bash
# On a GPU machine: what the order of CUDA start-ups costs (issue 8). The
# node worker's cuInit sees every GPU (563 ms on 4 H200s); the GPU workers
# start when it is done. bench/cuda_init_cost.py's node-then-one measures
# that order, node-with-one the alternative of starting them all together,
# solo-all the node's cuInit alone. Usage, from the repository root:
#   bash bench/device_startup_order.sh
set -uo pipefail
python3 bench/cuda_init_cost.py --repeat "${REPEAT:-3}" \
  --scenarios solo-all,node-then-one,node-with-one,par-one-held
