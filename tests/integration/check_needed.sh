#!/bin/sh
# Neither the binary nor any probe module may link a GPU library: the
# supervisor must start where none exists, and the modules open the job's
# own copies (cuBLAS, cuDNN, NCCL, NVRTC, libtorch) by path at run time.
# Usage: check_needed.sh FILE...
set -eu
status=0
for file in "$@"; do
  needed=$(readelf -d "$file" | grep NEEDED || true)
  echo "$file:"
  echo "$needed"
  if echo "$needed" | grep -Ei 'libcuda|libcudart|libnvidia-ml|libcudnn|libnccl|libtorch|libc10|libcublas|libnvrtc'; then
    echo "FAIL: $file links a GPU library" >&2
    status=1
  fi
done
[ "$status" = 0 ] && echo "OK: no GPU library among the NEEDED entries of $# files"
exit $status
