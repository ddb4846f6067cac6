#!/bin/sh
# The supervisor must start where no GPU library exists: its NEEDED entries
# name no CUDA, NVML, cuDNN, NCCL or libtorch library.
set -eu
binary="$1"
needed=$(readelf -d "$binary" | grep NEEDED || true)
echo "$needed"
if echo "$needed" | grep -Ei 'libcuda|libcudart|libnvidia-ml|libcudnn|libnccl|libtorch|libc10|libcublas|libnvrtc'; then
  echo "FAIL: $binary links a GPU library" >&2
  exit 1
fi
echo "OK: no GPU library among the NEEDED entries"
