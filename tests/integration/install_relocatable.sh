#!/bin/sh
# `cmake --install` gives a tree that works after being moved: the binary
# finds its modules relative to itself.
set -eu
build_dir="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build_dir" --prefix "$tmp/first" > /dev/null
mv "$tmp/first" "$tmp/moved"
out=$("$tmp/moved/bin/gpu-preflight" list)
echo "$out" | tail -2
echo "$out" | grep -q "module cuda: $tmp/moved/bin/../lib/gpu-preflight/libpreflight-cuda.so (present; implements "
if echo "$out" | grep MISMATCH; then exit 1; fi
test -f "$tmp/moved/share/doc/gpu-preflight/report.schema.json"
echo "OK: installed tree is relocatable"
