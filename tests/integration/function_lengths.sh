#!/bin/sh
# Issue 29's bound on the code a probe or a command is made of: no function
# in src/probes, src/modules or src/app/commands over 100 lines (comments
# and blank lines included), as clang-tidy's readability-function-size
# counts them, on the files this build compiles (compile_commands.json).
# Skipped (77) without clang-tidy outside CI; CI installs it.
# Usage: function_lengths.sh <build dir> <source dir>
set -u
build="$1"; src="$2"
tidy=$(command -v clang-tidy || true)
if [ -z "$tidy" ]; then
  case "${CI:-}" in ""|0|false) echo "SKIP: no clang-tidy"; exit 77 ;; esac
  echo "FAIL: clang-tidy is not installed (scripts/install-deps.sh installs it)"; exit 1
fi
files=$(python3 - "$build/compile_commands.json" "$src" <<'PY'
import json, os, sys
src = os.path.realpath(sys.argv[2])
seen = set()
for entry in json.load(open(sys.argv[1])):
    path = os.path.realpath(os.path.join(entry["directory"], entry["file"]))
    rel = os.path.relpath(path, src)
    if rel.startswith(("src/probes/", "src/modules/", "src/app/commands/")) and rel.endswith(".cc"):
        seen.add(path)
print("\n".join(sorted(seen)))
PY
)
[ -n "$files" ] || { echo "FAIL: no probe, module or command file in $build/compile_commands.json"; exit 1; }
echo "$(echo "$files" | wc -l) files"
out=$(echo "$files" | xargs -P "$(nproc)" -n 8 "$tidy" -p "$build" --quiet \
  -checks='-*,readability-function-size' \
  -config='{CheckOptions: [{key: readability-function-size.LineThreshold, value: 100}]}' \
  --extra-arg=-std=c++17 2>/dev/null | grep -A1 "readability-function-size")
if [ -n "$out" ]; then
  echo "$out" | grep -E "warning|note: [0-9]+ lines"
  echo "FAIL: functions over 100 lines (split the I/O from the judgement: src/rules/)"
  exit 1
fi
echo "ok: no function over 100 lines"
