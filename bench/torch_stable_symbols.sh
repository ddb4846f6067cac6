#!/bin/bash
# Which of the stable C functions the libtorch module calls
# (src/modules/torch/torch_shim.h) a torch wheel exports, and whether its
# __init__.py preloads the CUDA libraries at every import (what
# platform/job_libraries.cc's torch_preloads_always reads). No GPU needed.
# Usage: bench/torch_stable_symbols.sh torch-X.Y.Z-*.whl
set -euo pipefail
wheel=${1:?usage: torch_stable_symbols.sh WHEEL}
here=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unzip -q -o "$wheel" 'torch/lib/libtorch_cpu.so' 'torch/lib/libtorch_cuda.so' \
  'torch/__init__.py' 'torch/version.py' -d "$tmp" 2>/dev/null || true
grep -E "^__version__|^cuda" "$tmp/torch/version.py"
exported=$(nm -D --defined-only "$tmp"/torch/lib/libtorch_*.so 2>/dev/null | awk '{print $3}')
for kind in REQUIRED OPTIONAL; do
  names=$(sed -n "/#define PREFLIGHT_TORCH_$kind/,/[^\\]\$/p" \
            "$here/src/modules/torch/torch_shim.h" | grep -o 'X([a-z_0-9]*)' | tr -d 'X()')
  for n in $names; do
    if grep -qx "$n" <<< "$exported"; then echo "  $kind $n: exported"; else echo "  $kind $n: MISSING"; fi
  done
done
if grep -q '"libcudart.so" not in _maps' "$tmp/torch/__init__.py"; then
  echo "  preloads the CUDA libraries at every import: yes"
else
  echo "  preloads the CUDA libraries at every import: no (only when its global deps fail)"
fi
