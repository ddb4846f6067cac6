#!/usr/bin/env python3
"""The folder include graph of src/ (issue 31): which folder's files include
which other folder's headers. Every edge must be one of ALLOWED; a new edge
fails, naming the file and line, so the layering can only get cleaner.

The layers: the SDK (include/preflight, src/sdk) depends on nothing here;
rules/ on the SDK alone (issue 29); platform/ on the SDK and rules/;
modules/ and probes/ on those (probes also on core/ for the context); the
app folders above. The cycle between cli/ and core/ is listed as it
stands (KNOWN_CYCLE) until the layout by role breaks it; the manifest's
move to model/ broke core <-> report.

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
    "probes": {"preflight", "rules", "platform", "model", "core"},
    "commands": {"preflight", "rules", "platform", "model", "core", "cli",
                 "report"},
    ".": {"commands", "core"},  # main.cc
}
# cli <-> core: the supervisor takes the parsed Options, and the options
# name core's fault, GPU-selection and history settings.
KNOWN_CYCLE = {
    "cli": {"preflight", "platform", "model", "core"},
    "core": {"preflight", "rules", "platform", "model", "cli", "report"},
}
ALLOWED = {**LAYERS, **KNOWN_CYCLE}


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
