#!/usr/bin/env python3
"""The fault matrix: every probe in the manifest x every fault kind, through
the real binary and its workers (PREFLIGHT_FAULT).

The probes come from `gpu-preflight list`, so a probe is covered the day it
is added to the manifest. A probe can only be faulted where its worker
reaches it: a baseline run (same options, no fault) shows which probes ran
here; those blocked by a prerequisite (on a machine without a GPU: every GPU
probe) are listed as not reachable, with the reason. For each reachable
probe and each kind (hang, crash, abort, exit), the run must:
  * exit 1, within the probe's scaled deadline + the 2 s grace + a margin;
  * give the faulted probe its outcome (timeout, crash, crash, error);
  * keep every other probe, each with its baseline outcome (or blocked, when
    it depends on the faulted one);
  * write a report that validates against docs/report.schema.json.
Prints the matrix size and the slowest case.

By default the matrix covers the node-scope probes (the GPU probes are left
out with --skip, so on a GPU machine the cases do not time GPUs against each
other) and runs four cases at a time. PREFLIGHT_FAULT_MATRIX_GPUS=1 adds the
GPU probes, on GPU 0 (for the device machine): the node cases still run four
at a time with the GPU probes skipped, against their own baseline; the GPU
cases run one at a time (they would time the GPU against each other), with
shorter deadlines (--timeout-scale 0.1: every probe still has 5x what it
takes on an H200), so that all four kinds finish in minutes on one GPU.
A collective's fault goes to its rank on GPU 0, and that per-GPU entry is
what is checked; its node-level aggregate must then fail. Each case prints
a line as it finishes. PREFLIGHT_FAULT_MATRIX_ONLY=probe,... keeps only
those probes' cases (a new probe, checked without the whole matrix).

Usage: fault_matrix.py <gpu-preflight> <report.schema.json>
"""
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile
import time

try:
    import jsonschema
except ImportError:  # a GPU machine's torch venv may lack it: said, not hidden
    jsonschema = None

SCALE = 0.2          # --timeout-scale: short deadlines, still room for the probes
GPU_SCALE = 0.1      # the GPU cases: deadlines 5x what a healthy H200 takes
GRACE_S = 2.0        # SchedulerConfig::grace_s (SIGTERM -> SIGKILL)
MARGIN_S = 6.0       # process starts, the other probes, parallel cases
EXPECTED = {"hang": "timeout", "crash": "crash", "abort": "crash", "exit": "error"}


def manifest(binary):
    out = subprocess.run([binary, "list"], capture_output=True, text=True, check=True).stdout
    probes = {}
    for line in out.splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 4 and fields[3].endswith("s") and "." in fields[0]:
            probes[fields[0]] = {"stage": fields[1], "scope": fields[2],
                                 "deadline_s": float(fields[3][:-1])}
    return probes


def results_by_probe(report):
    results = {}
    for r in report["results"]:
        results[r["probe"]] = r
    for gpu in report["gpus"]:
        for r in gpu["results"]:
            results[f"{r['probe']}@{gpu['index']}"] = r
    return results


WITH_GPUS = os.environ.get("PREFLIGHT_FAULT_MATRIX_GPUS") == "1"


def run(binary, tmp, name, skip, fault=None, on_gpu=False):
    report = os.path.join(tmp, name + ".json")
    env = dict(os.environ, NO_COLOR="1", NCCL_NVLS_ENABLE="0",
               PREFLIGHT_LOCK_FILE=os.path.join(tmp, name + ".lock"))
    env.pop("PREFLIGHT_FAULT", None)
    if fault:
        env["PREFLIGHT_FAULT"] = fault
    scale = GPU_SCALE if on_gpu else SCALE
    args = [binary, "-q", "--timeout-scale", str(scale), "--json", report]
    if on_gpu:
        args += ["--gpus", "0"]  # one lane reaches every GPU probe
    elif skip:
        args += ["--skip", ",".join(skip)]
    start = time.monotonic()
    proc = subprocess.run(args, env=env, capture_output=True, text=True, timeout=600)
    wall = time.monotonic() - start
    try:
        with open(report) as f:
            data = json.load(f)
    except (OSError, ValueError):
        data = None
    return proc, wall, data


def reachable_keys(probes, base, candidates):
    """(probe, key) for each candidate that ran in the baseline, and
    (probe, why) for the others. A collective's key is its rank on GPU 0."""
    reachable, unreachable = [], []
    for probe in candidates:
        keys = [k for k in base if k == probe or k.startswith(probe + "@")]
        if probes[probe]["scope"] != "node":
            keys = [k for k in keys if "@" in k] or keys
        ran = [k for k in keys if base[k].get("skip_reason") != "blocked"]
        if ran:
            reachable.append((probe, ran[0]))
        else:
            why = base[keys[0]]["summary"] if keys else "not planned"
            unreachable.append((probe, why))
    return reachable, unreachable


def judge(probes, validator, base, case, proc, wall, report):
    """The problems of one case; empty when it behaved."""
    probe, key, kind, on_gpu = case
    scale = GPU_SCALE if on_gpu else SCALE
    limit = probes[probe]["deadline_s"] * scale + GRACE_S + MARGIN_S
    problems = []
    if proc.returncode != 1:
        problems.append(f"exit {proc.returncode}, expected 1")
    if wall > limit:
        problems.append(f"took {wall:.1f} s, limit {limit:.1f} s")
    if report is None:
        return problems + ["no report written"]
    errors = sorted(validator.iter_errors(report), key=str) if validator else []
    if errors:
        problems.append(f"schema: {errors[0].message}")
    got = results_by_probe(report)
    outcome = got.get(key, {}).get("outcome")
    if outcome != EXPECTED[kind]:
        problems.append(f"{key} is {outcome}, expected {EXPECTED[kind]}")
    for other, r in base.items():
        if other == key or r.get("skip_reason") == "user":
            continue
        if other not in got:
            problems.append(f"{other} is missing")
            continue
        expected = r["outcome"]
        if other == probe and key != probe:
            expected = "fail"  # the aggregate of a collective with a faulted rank
        if got[other]["outcome"] != expected and \
                got[other].get("skip_reason") != "blocked":
            problems.append(f"{other} became {got[other]['outcome']} "
                            f"(expected {expected})")
    return problems


def main():
    binary, schema_path = sys.argv[1], sys.argv[2]
    with open(schema_path) as f:
        schema = json.load(f)
    if jsonschema is None:
        if os.environ.get("PREFLIGHT_FAULT_MATRIX_NO_SCHEMA") != "1":
            sys.exit("jsonschema is not installed (pip install jsonschema); "
                     "PREFLIGHT_FAULT_MATRIX_NO_SCHEMA=1 runs without the schema check")
        print("schema check skipped: jsonschema is not installed", flush=True)
        validator = None
    else:
        validator = jsonschema.Draft202012Validator(schema)
    probes = manifest(binary)
    gpu_probes = [p for p, spec in probes.items() if spec["scope"] != "node"]
    node_probes = [p for p in probes if p not in gpu_probes]
    started = time.monotonic()
    failures, timings, unreachable, cases_run = [], [], [], 0
    with tempfile.TemporaryDirectory() as tmp:
        # Node cases, four at a time, the GPU probes skipped.
        _, _, node_baseline = run(binary, tmp, "baseline", gpu_probes)
        if node_baseline is None:
            sys.exit("the baseline run wrote no report")
        node_base = results_by_probe(node_baseline)
        reachable, left = reachable_keys(probes, node_base, node_probes)
        unreachable += left
        groups = [(node_base, [(p, k, kind, False) for p, k in reachable
                               for kind in EXPECTED], 4)]
        if WITH_GPUS:
            _, _, gpu_baseline = run(binary, tmp, "baseline-gpu", [], on_gpu=True)
            if gpu_baseline is None:
                sys.exit("the GPU baseline run wrote no report")
            gpu_base = results_by_probe(gpu_baseline)
            reachable, left = reachable_keys(probes, gpu_base, gpu_probes)
            unreachable += left
            groups.append((gpu_base, [(p, k, kind, True) for p, k in reachable
                                      for kind in EXPECTED], 1))
        else:
            unreachable += [(p, "GPU probe: PREFLIGHT_FAULT_MATRIX_GPUS=1 adds it")
                            for p in gpu_probes]
        # PREFLIGHT_FAULT_MATRIX_ONLY=probe,...: only those probes' cases (a
        # new probe checked without rerunning the whole matrix).
        only = set(filter(None, os.environ.get("PREFLIGHT_FAULT_MATRIX_ONLY", "").split(",")))
        if only:
            groups = [(b, [c for c in cases if c[0] in only], n) for b, cases, n in groups]
        total = sum(len(cases) for _, cases, _ in groups)

        def one(case):
            probe, key, kind, on_gpu = case
            gpu = key.split("@")[1] if "@" in key else None
            fault = f"{probe}@{gpu}:{kind}" if gpu is not None else f"{probe}:{kind}"
            skip = [] if on_gpu else gpu_probes
            proc, wall, report = run(binary, tmp, f"{probe}-{kind}", skip, fault, on_gpu)
            return case, proc, wall, report

        for base, cases, workers in groups:
            with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
                for case, proc, wall, report in pool.map(one, cases):
                    cases_run += 1
                    where = f"{case[0]}:{case[2]}" + (" on GPU 0" if case[3] else "")
                    timings.append((wall, where))
                    problems = judge(probes, validator, base, case, proc, wall, report)
                    print(f"[{cases_run}/{total}] {where}: "
                          f"{'FAIL' if problems else 'ok'} in {wall:.1f} s", flush=True)
                    if problems:
                        failures.append(f"{where}: " + "; ".join(problems) +
                                        f"\n    stderr: {proc.stderr.strip()[-300:]}")
    for probe, why in unreachable:
        print(f"not reachable here: {probe} ({why})")
    timings.sort(reverse=True)
    print(f"matrix: {cases_run // len(EXPECTED)} reachable probes x {len(EXPECTED)} kinds = "
          f"{cases_run} cases ({len(unreachable)} of {len(probes)} probes not reachable "
          f"on this machine) in {time.monotonic() - started:.0f} s")
    if timings:
        print(f"slowest case: {timings[0][1]} {timings[0][0]:.1f} s")
    for line in failures:
        print("FAIL", line)
    return 1 if failures or not cases_run else 0


if __name__ == "__main__":
    sys.exit(main())
