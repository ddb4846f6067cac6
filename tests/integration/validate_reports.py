#!/usr/bin/env python3
"""Runs gpu-preflight in several ways and validates every report it writes
(the main report and --output-dir files) against docs/report.schema.json.

Usage: validate_reports.py <gpu-preflight binary> <schema>
The runs cover pass/fail/skip and, through PREFLIGHT_FAULT, timeout, crash
and error outcomes, so each branch of the schema is exercised.
"""
import json
import os
import subprocess
import sys
import tempfile

try:
    import jsonschema
except ImportError:
    # CI installs it (.ci/run) and must not skip; elsewhere (the GPU machines
    # have no network) report the test as skipped (ctest SKIP_RETURN_CODE).
    if os.environ.get("CI", "") not in ("", "0", "false"):
        sys.exit("jsonschema is not installed: pip install jsonschema")
    print("SKIP: python module jsonschema is not installed")
    sys.exit(77)


def main():
    binary, schema_path = sys.argv[1], sys.argv[2]
    with open(schema_path) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    gpu_schema = {"$ref": "#/$defs/gpu", "$defs": schema["$defs"]}

    runs = [
        ([], {}),
        (["--stages", "host", "--timeout-scale", "0.2"],
         {"PREFLIGHT_FAULT": "host.shm:hang,host.memlock:crash,host.cpu_quota:exit"}),
        (["--level", "full", "--expect-gpus", "3", "--require", "nccl"], {}),
    ]
    failures = 0
    outcomes = set()
    for args, env in runs:
        with tempfile.TemporaryDirectory() as tmp:
            report = os.path.join(tmp, "r.json")
            out_dir = os.path.join(tmp, "out")
            full_env = dict(os.environ, **env)
            proc = subprocess.run([binary, *args, "--json", report, "--output-dir", out_dir],
                                  env=full_env, capture_output=True, text=True, timeout=300)
            if proc.returncode not in (0, 1):
                print(f"FAIL {args}: exit {proc.returncode}\n{proc.stderr}")
                failures += 1
                continue
            docs = {"main": report}
            for name in os.listdir(out_dir):
                docs[name] = os.path.join(out_dir, name)
            for label, path in docs.items():
                with open(path) as f:
                    doc = json.load(f)
                if label.startswith("gpu-"):
                    errors = list(jsonschema.Draft202012Validator(gpu_schema).iter_errors(doc["gpu"]))
                else:
                    errors = list(validator.iter_errors(doc))
                    for r in doc["results"]:
                        outcomes.add(r["outcome"])
                    for g in doc["gpus"]:
                        for r in g["results"]:
                            outcomes.add(r["outcome"])
                for e in errors:
                    print(f"FAIL {args} {label}: {e.json_path}: {e.message}")
                    failures += 1
            print(f"ok   {' '.join(args) or '(default)'}: {len(docs)} documents valid")
    for needed in ("pass", "skip", "timeout", "crash", "error"):
        if needed not in outcomes:
            print(f"FAIL: no run produced outcome {needed}")
            failures += 1
    print(f"outcomes seen: {sorted(outcomes)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
