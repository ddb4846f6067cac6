#!/bin/bash
# The wheel and the tarball that scripts/package.sh made (dist/), as a user
# meets them on a machine with nothing else installed:
#   - auditwheel agrees with the wheel's manylinux tag, and the wheel holds
#     no CUDA, cuDNN, NCCL or torch library and depends on no package;
#   - `pip install` into a fresh venv puts gpu-preflight on PATH; --version
#     lists the CUDA toolkit and architectures; the modules are found; with
#     no GPU it writes a valid report, gives the no-driver verdict and
#     exits 1;
#   - `pip uninstall` leaves no file behind;
#   - the tarball unpacks into a fresh directory and runs the same way.
# Usage: package_test.sh <dist dir> <python3 with jsonschema> <schema>
# Exit 77 (skipped) where dist/ has no wheel and this is not CI (a developer
# who has not run scripts/package.sh); in CI that is a failure.
set -uo pipefail
dist="$1"; py="$2"; schema="$3"
wheel=$(ls "$dist"/gpu_preflight-*-py3-none-*manylinux_*_x86_64.whl 2> /dev/null | head -1)
tarball=$(ls "$dist"/gpu-preflight-*-linux-x86_64-glibc*.tar.gz 2> /dev/null | head -1)
if [ -z "$wheel" ] || [ -z "$tarball" ]; then
  if [ -n "${CI:-}" ] && [ "${CI}" != "false" ] && [ "${CI}" != "0" ]; then
    echo "FAIL: no wheel or tarball in $dist: scripts/package.sh did not run"; exit 1
  fi
  echo "SKIP: no wheel or tarball in $dist (run scripts/package.sh)"; exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
echo "wheel: $wheel ($(du -h "$wheel" | cut -f1))"
tag=$(basename "$wheel" | grep -o 'manylinux_[0-9]*_[0-9]*_x86_64' | head -1)

# 1. What auditwheel says (CI installs it; a GPU machine without network
# may not have it, and then says so), and what the wheel holds.
if "$py" -c 'import auditwheel' 2> /dev/null || [ -n "${CI:-}" ]; then
  "$py" -m auditwheel show "$wheel" > "$tmp/show" 2>&1 || { cat "$tmp/show"; fail "auditwheel show failed"; }
  cat "$tmp/show"
  grep -q "\"$tag\"" "$tmp/show" || fail "auditwheel does not agree with the tag $tag"
else
  echo "note: no auditwheel for $py here: the tag is not re-checked"
fi
"$py" - "$wheel" <<'PY' || exit 1
import re, sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
gpu = [n for n in names if re.search(r"lib(cuda|cudart|cublas|cublasLt|cudnn|nccl|nvrtc|torch|c10)[._]", n.split("/")[-1])]
if gpu:
    sys.exit(f"FAIL: the wheel holds GPU libraries: {gpu}")
meta = zipfile.ZipFile(sys.argv[1]).read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
requires = [l for l in meta.splitlines() if l.startswith("Requires-Dist:")]
if requires:
    sys.exit(f"FAIL: the wheel depends on packages: {requires}")
if not any(n.endswith(".data/scripts/gpu-preflight") for n in names):
    sys.exit("FAIL: no gpu-preflight among the wheel's scripts")
print("ok: no GPU library, no dependency,", len(names), "files")
PY

# A run of an installed binary: --version, its modules, the no-driver run.
check_installed() {  # check_installed <label> <binary>
  local label=$1 bin=$2
  "$bin" --version > "$tmp/version" || fail "$label: --version failed"
  cat "$tmp/version"
  grep -Eq "device code: CUDA [0-9.]+ \(NVRTC\), SASS( sm_[0-9]+)+" "$tmp/version" ||
    fail "$label: --version does not list the toolkit and architectures"
  "$bin" list > "$tmp/list" || fail "$label: list failed"
  if grep "^module " "$tmp/list" | grep -v "(present; implements" | grep -v "^module mpi"; then
    fail "$label: a module is not found from $bin"
  fi
  grep -q "^module cuda: $(dirname "$bin")/../lib/gpu-preflight/libpreflight-cuda.so (present" "$tmp/list" ||
    fail "$label: the cuda module is not beside the binary"
  if [ -r /proc/driver/nvidia/version ]; then
    echo "ok: $label installs and lists its modules (a driver is loaded here: the GPU test runs the rest)"
    return
  fi
  (cd "$tmp" && "$bin" --json "$tmp/$label.json" > "$tmp/out" 2>&1)
  local code=$?
  [ "$code" = 1 ] || { cat "$tmp/out"; fail "$label: expected exit 1 without a driver, got $code"; }
  grep -q "no NVIDIA kernel driver is loaded" "$tmp/out" || { cat "$tmp/out"; fail "$label: no no-driver verdict"; }
  "$py" - "$tmp/$label.json" "$schema" <<'PY' || fail "$label: the report is not valid"
import json, sys
import jsonschema
report = json.load(open(sys.argv[1]))
jsonschema.validate(report, json.load(open(sys.argv[2])))
assert report["verdict"] == "fail", report["verdict"]
print("ok: valid report, verdict", report["verdict"])
PY
  echo "ok: $label gives the no-driver verdict and exits 1"
}

# 2. pip install into a fresh venv, run, uninstall.
# Without ensurepip (Debian's python3 without python3-venv) the venv is made
# bare and this python's pip installs into it (pip --python).
"$py" -m venv "$tmp/venv" 2> /dev/null ||
  { rm -rf "$tmp/venv"; "$py" -m venv --without-pip "$tmp/venv"; } || fail "python3 -m venv failed"
venv_pip() {
  if [ -x "$tmp/venv/bin/pip" ]; then "$tmp/venv/bin/pip" "$@"; else "$py" -m pip --python "$tmp/venv/bin/python" "$@"; fi
}
(cd "$tmp/venv" && find . | sort) > "$tmp/before"
venv_pip install --no-index --quiet "$wheel" || fail "pip install failed"
[ -x "$tmp/venv/bin/gpu-preflight" ] || fail "pip install put no gpu-preflight in the venv's bin/"
check_installed venv "$tmp/venv/bin/gpu-preflight"
venv_pip uninstall --yes --quiet gpu-preflight || fail "pip uninstall failed"
(cd "$tmp/venv" && find . | sort) > "$tmp/after"
# Nothing of ours may remain, not even an empty directory (pip's own
# bytecode cache aside).
left=$(diff "$tmp/before" "$tmp/after" | grep '^>' | grep -v '__pycache__')
[ -z "$left" ] || { echo "$left"; fail "pip uninstall left the paths above behind"; }
echo "ok: pip uninstall left nothing behind"

# 3. The tarball, unpacked into a fresh directory.
mkdir "$tmp/unpacked"
tar -xzf "$tarball" -C "$tmp/unpacked" || fail "tar could not unpack $tarball"
top=$(ls "$tmp/unpacked")
check_installed tarball "$tmp/unpacked/$top/bin/gpu-preflight"
[ -f "$tmp/unpacked/$top/share/doc/gpu-preflight/report.schema.json" ] ||
  fail "the tarball has no share/doc/gpu-preflight/report.schema.json"
echo "OK: wheel $(basename "$wheel") and tarball $(basename "$tarball")"
