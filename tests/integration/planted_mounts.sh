#!/bin/bash
# Host conditions that need a real mount, planted under PREFLIGHT_TEST_ROOT
# in a private mount namespace (unshare -m as root, else -rm in a user
# namespace; exit 77, ctest's skip, where neither is allowed) and judged by
# the real binary:
#   - a 64 MiB /dev/shm (Docker's default) with one GPU: host.shm warns and
#     the run passes (exit 0); --strict fails it (exit 1);
#   - the same /dev/shm with two GPUs: host.shm fails (NCCL's shm transport);
#   - a read-only Triton cache where there is no torch: host.compile_cache
#     warns (nothing here writes it).
# Usage: planted_mounts.sh BINARY
set -u
B=${1:?usage: planted_mounts.sh BINARY}
if unshare -m true 2>/dev/null; then NS=(unshare -m)
elif unshare -rm true 2>/dev/null; then NS=(unshare -rm)
else echo "SKIP: no mount namespace for this user"; exit 77; fi
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fails=0
plant() {  # plant ROOT GPUS
  mkdir -p "$1/dev/shm" "$1/proc/driver/nvidia" "$1/cache"
  touch "$1/dev/nvidiactl" "$1/dev/nvidia-uvm" "$1/dev/nvidia-uvm-tools"
  for ((i = 0; i < $2; i++)); do touch "$1/dev/nvidia$i"; done
  echo "NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.95.05" > "$1/proc/driver/nvidia/version"
}
# run ROOT OUT [args]: the host stage with a 64 MiB tmpfs on ROOT/dev/shm
# and a read-only tmpfs on ROOT/cache; prints the exit code.
run() {
  local root=$1 out=$2; shift 2
  env -u CUDA_VISIBLE_DEVICES -u NVIDIA_VISIBLE_DEVICES -u KUBERNETES_SERVICE_HOST \
    PREFLIGHT_TEST_ROOT="$root" PREFLIGHT_PYTHON=/nonexistent/python3 LIBTORCH= \
    TRITON_CACHE_DIR="${TRITON_AT:-$root/cache/triton}" ${EXTRA:-} \
    "${NS[@]}" sh -c 'mount -t tmpfs -o size=64m tmpfs "$0/dev/shm" &&
      mount -t tmpfs -o ro,size=1m tmpfs "$0/cache" && exec "$@"' "$root" \
    "$B" --stages host --json "$out" "$@" > "$out.txt" 2>&1
  echo $?
}
outcome() {  # outcome REPORT PROBE
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))
print(next(x["outcome"] for x in r["results"] if x["probe"]==sys.argv[2]))' "$1" "$2"
}
expect() {  # expect WHAT GOT WANT [REPORT]
  if [ "$2" = "$3" ]; then echo "ok   $1: $2"
  else
    echo "FAIL $1: got $2, expected $3"; fails=$((fails + 1))
    [ -n "${4:-}" ] && python3 -c 'import json,sys
for x in json.load(open(sys.argv[1]))["results"]: print("  ", x["probe"], x["outcome"], x["summary"][:160])' "$4"
  fi
}
plant "$T/one" 1
rc=$(run "$T/one" "$T/one.json")
expect "64 MiB /dev/shm, 1 GPU: host.shm" "$(outcome "$T/one.json" host.shm)" warn "$T/one.json"
expect "64 MiB /dev/shm, 1 GPU: exit" "$rc" 0 "$T/one.json"
expect "read-only Triton cache, no torch: host.compile_cache" \
  "$(outcome "$T/one.json" host.compile_cache)" warn "$T/one.json"
rc=$(run "$T/one" "$T/strict.json" --strict)
expect "the same under --strict: exit" "$rc" 1 "$T/strict.json"
expect "the same under --strict: host.shm" "$(outcome "$T/strict.json" host.shm)" fail
# The CUDA driver's JIT cache on the read-only mount, the compile caches
# writable: a warn naming the JIT cache and its variable.
EXTRA="CUDA_CACHE_PATH=$T/one/cache/nv" TRITON_AT="$T/tc" run "$T/one" "$T/jit.json" > /dev/null
expect "read-only CUDA_CACHE_PATH: host.compile_cache" "$(outcome "$T/jit.json" host.compile_cache)" warn "$T/jit.json"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); x=[x for x in r["results"] if x["probe"]=="host.compile_cache"][0]
sys.exit(0 if "CUDA JIT cache" in x["summary"] and "$CUDA_CACHE_PATH" in x["summary"] else 1)' "$T/jit.json" ||
  { echo "FAIL the JIT cache warn names neither the cache nor its variable"; fails=$((fails + 1)); }
# An anonymous uid (no passwd entry, no USER/LOGNAME): Inductor's default
# cache cannot be named (getpass.getuser() raises). Needs real root.
if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null && [ "${NS[*]}" = "unshare -m" ]; then
  chmod 755 "$T" "$T/one"; chmod -R a+rwX "$T/one"
  env -u USER -u LOGNAME -u LNAME -u USERNAME -u TORCHINDUCTOR_CACHE_DIR HOME=/nonexistent \
    PREFLIGHT_TEST_ROOT="$T/one" PREFLIGHT_PYTHON=/nonexistent/python3 LIBTORCH= \
    TRITON_CACHE_DIR=/tmp/gpf-tc-$$ CUDA_CACHE_DISABLE=1 \
    setpriv --reuid=54321 --regid=54321 --clear-groups \
    "$B" --stages host --json /tmp/gpf-anon-$$.json > /dev/null 2>&1
  got=$(outcome /tmp/gpf-anon-$$.json host.compile_cache 2>/dev/null)
  expect "uid 54321 without a passwd entry: host.compile_cache" "$got" warn /tmp/gpf-anon-$$.json
  grep -q "getpass.getuser() raises" /tmp/gpf-anon-$$.json ||
    { echo "FAIL the anonymous-user warn does not name getuser"; fails=$((fails + 1)); }
  rm -f /tmp/gpf-anon-$$.json
fi
plant "$T/two" 2
run "$T/two" "$T/two.json" > /dev/null
expect "64 MiB /dev/shm, 2 GPUs: host.shm" "$(outcome "$T/two.json" host.shm)" fail "$T/two.json"
[ "$fails" = 0 ]
