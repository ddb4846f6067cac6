#!/bin/sh
# gpu-preflight needs no root: run as an unprivileged user (nobody, through
# setpriv) from an installed tree, every host/driver/devices probe reaches the
# same outcome as under root, and the report is written, owned by that user.
# Each run gets its own HOME, as a real user would have. Exit 77 (skipped)
# where this cannot be arranged: not root (already unprivileged: the plain
# run is the whole test) or no setpriv.
set -eu
build_dir="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
cmake --install "$build_dir" --prefix "$tmp/tree" > /dev/null
chmod -R a+rX "$tmp/tree"
binary="$tmp/tree/bin/gpu-preflight"
args="-q --stages host,driver,devices --lock-wait 30"

run_as() {  # run_as <name> <setpriv prefix...>
  name=$1
  shift
  mkdir -p "$tmp/$name/home"
  chmod -R 777 "$tmp/$name"
  # shellcheck disable=SC2086
  HOME="$tmp/$name/home" PREFLIGHT_LOCK_FILE="$tmp/$name/lock" \
    "$@" "$binary" $args --json "$tmp/$name/report.json" > "$tmp/$name/out" 2>&1 || {
    code=$?
    [ "$code" -eq 1 ] || { cat "$tmp/$name/out"; echo "FAIL: $name run exited $code"; exit 1; }
  }
  test -s "$tmp/$name/report.json" || { echo "FAIL: $name run wrote no report"; exit 1; }
}

if [ "$(id -u)" -ne 0 ]; then
  run_as self
  echo "OK: ran as uid $(id -u) (not root)"
  exit 0
fi
command -v setpriv > /dev/null || { echo "SKIP: no setpriv"; exit 77; }
run_as root
run_as nobody setpriv --reuid=65534 --regid=65534 --clear-groups
owner=$(stat -c %u "$tmp/nobody/report.json")
[ "$owner" = 65534 ] || { echo "FAIL: report owned by uid $owner, not nobody"; exit 1; }
python3 - "$tmp/root/report.json" "$tmp/nobody/report.json" << 'PY'
import json, sys
def outcomes(path):
    r = json.load(open(path))
    return {x["probe"]: (x["outcome"], x["summary"]) for x in r["results"]}
root, nobody = outcomes(sys.argv[1]), outcomes(sys.argv[2])
bad = [f"{p}: root {root[p][0]}, nobody {nobody.get(p, ('missing',))[0]}: "
       f"{nobody.get(p, ('', ''))[1]}" for p in root if nobody.get(p, ("missing",))[0] != root[p][0]]
for line in bad:
    print("FAIL", line)
print(f"{len(root)} probes, {len(bad)} differ between root and nobody")
sys.exit(1 if bad else 0)
PY
echo "OK: runs unprivileged with the same outcomes as root"
