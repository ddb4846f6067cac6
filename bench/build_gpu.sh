#!/bin/bash
# Builds gpu-preflight for the GPU-machine scripts: Release, in build-gpu/,
# 16 jobs (a no-op when it is up to date). Usage: bash bench/build_gpu.sh LOG
# The configure and build output goes to LOG; on failure the errors are
# printed and the exit status is 1. PREFLIGHT_CMAKE_ARGS adds configure
# arguments (the GPU machine has no NVRTC 12 wheel: it is given kernel
# images compiled elsewhere, -DPREFLIGHT_KERNEL_IMAGES_DIR=...).
set -uo pipefail
log=${1:?usage: build_gpu.sh LOG}
start=$(date +%s)
if ! cmake -S . -B build-gpu -G Ninja -DCMAKE_BUILD_TYPE=Release ${PREFLIGHT_CMAKE_ARGS:-} > "$log" 2>&1; then
  tail -40 "$log"; exit 1
fi
if ! cmake --build build-gpu -j16 >> "$log" 2>&1; then
  grep -E 'error|Error' -A5 "$log" | head -60; exit 1
fi
echo "configure+build: $(( $(date +%s) - start )) s"
