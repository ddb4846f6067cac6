#!/usr/bin/env bash
# Configures, builds and installs gpu-preflight into $PREFIX (default
# /opt/gpu-preflight) with the same CMake steps CI runs; docker/ uses this.
# Extra arguments go to the CMake configure step.
set -euo pipefail
cd "$(dirname "$0")/.."
PREFIX=${PREFIX:-/opt/gpu-preflight}
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF "$@"
cmake --build build
cmake --install build --prefix "$PREFIX"
echo "installed: $PREFIX/bin/gpu-preflight"
