#!/bin/sh
# Builds each libFuzzer target in this directory with clang (libFuzzer +
# AddressSanitizer + UndefinedBehaviorSanitizer) against the parser sources it
# exercises, and runs it for a bounded time from its committed seed corpus
# (corpus/<target>/; new inputs go to a scratch copy, never into the tree).
# A crash prints the input and fails the test; save that input under
# corpus/<target>/ and it becomes a regression case run every time.
# Usage: run_fuzzers.sh <source root> [seconds per target, default 10]
#        [directory of the build's generated kernel_image_archs.h]
# Exit 77 (skipped) outside CI where clang++ with libFuzzer is missing.
set -eu
root=$1
seconds=${2:-10}
generated=${3:-$root/build/kernels/generated}
here="$root/tests/fuzz"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

in_ci() { [ -n "${CI:-}" ] && [ "${CI:-}" != 0 ] && [ "${CI:-}" != false ]; }
if ! command -v clang++ > /dev/null ||
    ! printf 'extern "C" int LLVMFuzzerTestOneInput(const char*, unsigned long) { return 0; }\n' |
      clang++ -x c++ -fsanitize=fuzzer - -o "$tmp/probe" 2> /dev/null; then
  if in_ci; then
    echo "FAIL: clang++ with libFuzzer is missing (scripts/install-deps.sh installs clang)"
    exit 1
  fi
  echo "SKIP: clang++ with libFuzzer is not installed"
  exit 77
fi

flags="-std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -I$root/src -I$root/include -I$generated"
# target: the sources it needs beside its own file
build() {
  target=$1
  shift
  sources=""
  for s in "$@"; do sources="$sources $root/src/$s"; done
  # shellcheck disable=SC2086
  clang++ $flags "$here/${target}_fuzz.cc" $sources -o "$tmp/$target"
}
build proc_driver_version platform/proc_driver_version.cc rules/driver_version.cc \
  sdk/strings.cc
build visible_devices rules/visible_devices.cc sdk/strings.cc
build fatbin platform/fatbin_reader.cc rules/arch_coverage.cc rules/torch_wheels.cc \
  rules/driver_table.cc rules/driver_version.cc sdk/strings.cc
build thresholds app/cli/thresholds.cc model/manifest.cc sdk/stage.cc sdk/strings.cc
build cli app/cli/options.cc app/cli/thresholds.cc model/manifest.cc sdk/stage.cc sdk/strings.cc \
  worker/fault_injection.cc platform/atomic_file.cc platform/host_root.cc

status=0
cd "$tmp"  # output paths the CLI target checks are relative to here
for target in proc_driver_version visible_devices fatbin thresholds cli; do
  mkdir -p "$tmp/corpus-$target"
  cp "$here/corpus/$target/"* "$tmp/corpus-$target/"
  if "$tmp/$target" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 \
      -artifact_prefix="$tmp/$target-" "$tmp/corpus-$target" > "$tmp/$target.log" 2>&1; then
    runs=$(grep -o 'Done [0-9]* runs' "$tmp/$target.log" | tail -1)
    echo "ok   $target: $runs in ${seconds} s, no crash"
  else
    status=1
    echo "FAIL $target:"
    tail -40 "$tmp/$target.log"
    for crash in "$tmp/$target-"*; do
      [ -f "$crash" ] && { echo "input ($crash), base64:"; base64 "$crash"; }
    done
  fi
done
exit $status
