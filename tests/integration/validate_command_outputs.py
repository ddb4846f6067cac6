#!/usr/bin/env python3
"""Runs diff, fleet and image through the binary and validates each JSON
output against its schema (docs/diff.schema.json, fleet, image); validates
the recorded reports (tests/fixtures/reports) and a --history run's report
against docs/report.schema.json.

Usage: validate_command_outputs.py <gpu-preflight> <docs dir> <fixtures dir>
"""
import json
import os
import subprocess
import sys
import tempfile

try:
    import jsonschema
except ImportError:
    if os.environ.get("CI", "") not in ("", "0", "false"):
        sys.exit("jsonschema is not installed: pip install jsonschema")
    print("SKIP: python module jsonschema is not installed")
    sys.exit(77)


def validator(docs, name):
    with open(os.path.join(docs, name)) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def main():
    binary, docs, fixtures = sys.argv[1:4]
    reports = os.path.join(fixtures, "reports")
    v = {n: validator(docs, n + ".schema.json") for n in ("report", "diff", "fleet", "image")}
    failures = 0

    def check(kind, path, what):
        nonlocal failures
        with open(path) as f:
            doc = json.load(f)
        errors = list(v[kind].iter_errors(doc))
        for e in errors[:5]:
            print(f"FAIL {what}: {list(e.absolute_path)}: {e.message[:300]}")
        failures += bool(errors)
        if not errors:
            print(f"ok {what}")
        return doc

    for name in sorted(os.listdir(reports)):
        if name.endswith(".json"):
            check("report", os.path.join(reports, name), f"fixture {name}")

    q = lambda n: os.path.join(reports, n)
    with tempfile.TemporaryDirectory() as tmp:
        changed = os.path.join(tmp, "changed.json")
        with open(q("h200-quick-2.json")) as f:
            doc = json.load(f)
        doc["verdict"] = "fail"
        doc["results"][0]["outcome"] = "fail"  # verdicts are derived from results
        doc["host"]["driver"]["kernel_module_version"] = "570.86.10"
        doc["host"]["cuda"]["driver_cuda_version_code"] = 12080
        with open(changed, "w") as f:
            json.dump(doc, f)
        runs = [
            ("diff", ["diff", q("h200-quick-1.json"), q("h200-full-1.json")], (0, 1)),
            ("diff", ["diff", q("h200-quick-1.json"), changed], (1,)),
            ("fleet", ["fleet"] + [q(n) for n in sorted(os.listdir(reports)) if n.endswith(".json")], (0, 1)),
            ("image", ["image", "/"], (0, 1)),
            ("image", ["image", "/", "--driver", "535.104.05", "--gpu", "sm_70,H100"], (0, 1)),
        ]
        for i, (kind, args, codes) in enumerate(runs):
            out = os.path.join(tmp, f"{i}.json")
            proc = subprocess.run([binary, *args, "--json", out, "-q"], capture_output=True,
                                  text=True, timeout=120)
            if proc.returncode not in codes:
                print(f"FAIL {args}: exit {proc.returncode}, expected {codes}\n{proc.stderr}")
                failures += 1
                continue
            check(kind, out, " ".join(args[:1] + [os.path.basename(a) for a in args[1:]]))
        hist = os.path.join(tmp, "history")
        for i in range(2):
            out = os.path.join(tmp, f"h{i}.json")
            proc = subprocess.run([binary, "--stages", "host", "--history", hist, "-q", "--json", out],
                                  capture_output=True, text=True, timeout=120)
            if proc.returncode not in (0, 1):
                print(f"FAIL --history run: exit {proc.returncode}\n{proc.stderr}")
                failures += 1
                continue
            doc = check("report", out, f"--history run {i + 1}")
            if doc["host"]["history"]["earlier_runs"] != i:
                print(f"FAIL --history run {i + 1}: earlier_runs {doc['host']['history']['earlier_runs']}")
                failures += 1
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
