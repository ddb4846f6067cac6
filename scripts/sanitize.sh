#!/usr/bin/env bash
# Builds gpu-preflight with AddressSanitizer and UndefinedBehaviorSanitizer
# in build-sanitize/ and runs the CPU test suite there (the GPU tests skip
# without a GPU; the fuzz targets already run under both sanitizers in the
# normal build). Part of the README's test command, so CI runs it.
# A sanitizer finding fails the test that triggered it, with the report in
# that test's output.
# Usage: scripts/sanitize.sh [extra ctest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
# libtorch is left out (its headers make the slowest compile, and the CPU
# tests do not load the module).
cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DPREFLIGHT_SANITIZE=address,undefined -DPREFLIGHT_WITH_TORCH=OFF
cmake --build build-sanitize
# handle_segv=0 / handle_abort=0: the fault tests inject real SIGSEGVs and
# aborts and expect the worker to die of that signal, as it would unsanitized.
export ASAN_OPTIONS="handle_segv=0:handle_sigbus=0:handle_abort=0:handle_sigfpe=0:detect_leaks=1:abort_on_error=0:exitcode=66"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=66"
ctest --test-dir build-sanitize --output-on-failure -LE gpu -E '^fuzz_parsers$' "$@"
