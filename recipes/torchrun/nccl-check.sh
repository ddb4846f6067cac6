#!/bin/bash
# Multi-node NCCL check under torchrun, as a training job is started, from
# the wheel (no MPI). One gpu-preflight per node (--nproc-per-node=1: it
# starts a process per local GPU itself); torchrun's agent sets RANK,
# WORLD_SIZE, MASTER_ADDR and MASTER_PORT, and node 0 hosts the nodes'
# exchange at MASTER_PORT + 1. Run on every node:
#   HEAD=node-0 NNODES=2 recipes/torchrun/nccl-check.sh
set -eu
torchrun --nnodes="${NNODES:-2}" --nproc-per-node=1 --rdzv-backend=c10d \
  --rdzv-endpoint="${HEAD:?set HEAD to the first node}:29400" \
  --rdzv-id="${JOB_ID:-gpu-preflight}" --no-python \
  gpu-preflight --stages nccl --json "report-%r.json"
