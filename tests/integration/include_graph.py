#!/usr/bin/env python3
"""The folder include graph of src/ (issue 31): which folder's files include
which other folder's headers. Every edge must be one of ALLOWED; a new edge
fails, naming the file and line, so the layering can only get cleaner.

The layers, by role: the SDK (include/preflight, src/sdk) depends on
nothing here; rules/ on the SDK alone (issue 29); platform/ on the SDK and
rules/; modules/ on those; worker/ (the worker process) and probes/ (the
built-in probes it runs) above them; engine/ (planning, lanes, scheduling,
judging) above the worker; app/ (main, options, commands, the run
command's supervisor) on top. No folder includes one above it, so there is
no cycle.

Usage: include_graph.py <src dir>
"""
import os
import re
import sys

LAYERS = {
    "sdk": {"preflight"},
    "rules": {"preflight"},
    "model": {"preflight"},
    "platform": {"preflight", "rules"},
    "modules": {"preflight", "rules", "platform"},
    "report": {"preflight", "model"},
    # The worker process: runs the probes a request names, loads modules.
    "worker": {"preflight", "rules", "platform", "model"},
    "probes": {"preflight", "rules", "platform", "model", "worker"},
    # Planning, lanes of workers, scheduling and judging a run.
    "engine": {"preflight", "rules", "platform", "model", "report", "worker"},
    # main, the options, the commands and the run command's supervisor.
    "app": {"preflight", "rules", "platform", "model", "report", "engine",
            "worker"},
}
ALLOWED = LAYERS


def main():
    src = sys.argv[1]
    bad = []
    edges = {}
    for root, _, files in os.walk(src):
        for name in sorted(files):
            if not name.endswith((".cc", ".h")):
                continue
            path = os.path.join(root, name)
            rel = os.path.relpath(path, src)
            folder = rel.split(os.sep)[0] if os.sep in rel else "."
            with open(path, errors="replace") as f:
                for number, line in enumerate(f, 1):
                    m = re.match(r'\s*#include "([a-z_]+)/', line)
                    if not m or m.group(1) == folder:
                        continue
                    target = m.group(1)
                    edges.setdefault(folder, set()).add(target)
                    if target not in ALLOWED.get(folder, set()):
                        bad.append(f"{rel}:{number}: {folder}/ includes {target}/ "
                                   f"(allowed: {sorted(ALLOWED.get(folder, set()))})")
    for folder in sorted(edges):
        print(f"{folder:9} -> {', '.join(sorted(edges[folder]))}")
    if bad:
        print("\n".join(bad))
        return 1
    print("ok: every folder edge is an allowed one; rules/ depends on the SDK alone")
    return 0


if __name__ == "__main__":
    sys.exit(main())
