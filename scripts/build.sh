#!/usr/bin/env bash
# Configures and builds gpu-preflight in build/ — the step both README
# commands, CI (.ci/run) and the images in docker/ share — and, with
# --install PREFIX, installs the relocatable tree there.
# Usage: scripts/build.sh [--install PREFIX] [CMake configure arguments...]
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=""
if [ "${1:-}" = "--install" ]; then
  if [ $# -lt 2 ]; then
    echo "scripts/build.sh: --install needs a directory (e.g. --install /opt/gpu-preflight)" >&2
    exit 2
  fi
  prefix=$2
  shift 2
fi
cmake -S . -B build -G Ninja "$@"
cmake --build build
if [ -n "$prefix" ]; then
  cmake --install build --prefix "$prefix"
  echo "installed: $prefix/bin/gpu-preflight"
fi
