#!/usr/bin/env python3
"""Time to verdict: gpu-preflight's default run against the PyTorch script
users write instead (bench/pytorch_checks.py), on the same GPUs, in one go.

Runs the two alternately, --rounds times each, every run in a fresh process,
and prints medians of
  * wall time (from spawning the process to its exit),
  * peak memory of the whole process tree (the sum of the RSS of the process
    and all its descendants, sampled every 10 ms; each tool's own peak RSS
    figures are printed too),
  * time per stage: for gpu-preflight, the most time any one worker spent
    in the stage's probes (host+driver: first start to last end; see
    stage_spans); for the script, the wall time of each check,
and the ratios. With --full it then runs `gpu-preflight --level full` once
and reports its time.

Targets (issue 8): quick run <= 3 s on 1 GPU, <= 5 s on 2 and 4 GPUs;
<= 1/10 of the script's wall time; supervisor peak RSS < 50 MB.

Usage: python3 bench/time_to_verdict.py BUILD/bin/gpu-preflight
           [--rounds 5] [--full] [--json FILE]
GPUs: whatever CUDA_VISIBLE_DEVICES leaves visible (both tools see the same).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# How the script's checks line up with gpu-preflight's stages.
STAGE_OF_CHECK = {"versions": "host+driver", "devices": "devices",
                  "tensor": "tensor", "cudnn": "cudnn", "nccl": "nccl",
                  "compile": "compile"}


def children_of():
    """pid -> list of child pids, from /proc."""
    kids = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(name))
    return kids


def tree_rss_kib(root):
    kids = children_of()
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        stack.extend(kids.get(pid, []))
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def timed_run(argv, env=None):
    """(wall s, peak tree RSS KiB, exit code, stdout) of one run."""
    peak = [0]
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=env)
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss_kib(proc.pid))
            done.wait(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    return wall, peak[0], proc.returncode, out


def stage_spans(report):
    """stage -> ms. host+driver (node probes on two lanes side by side, as
    the script's "versions" check covers both): from the first probe's start
    to the last one's end. Every other stage: the most time any one worker
    spent in that stage's probes (the node's probes as one worker, each GPU
    as one), which, unlike a first-start-to-last-end span, does not grow
    when a stage's probes are spread over a lane (devices.arch_coverage runs
    last in each GPU lane) and compares with the script's sequential checks.
    """
    spans = {}
    for span in report["timeline"]["stages"]:
        if span["stage"] not in ("host", "driver"):
            continue
        lo, hi = spans.get("host+driver", (span["started_ms"], span["ended_ms"]))
        spans["host+driver"] = (min(lo, span["started_ms"]),
                                max(hi, span["ended_ms"]))
    out = {s: hi - lo for s, (lo, hi) in spans.items()}
    groups = [report["results"]] + [g["results"] for g in report["gpus"]]
    for results in groups:
        busy = {}
        for r in results:
            stage = r["probe"].split(".")[0]
            if stage in ("host", "driver"):
                continue
            busy[stage] = busy.get(stage, 0.0) + r.get("duration_ms", 0.0)
        for stage, ms in busy.items():
            out[stage] = max(out.get(stage, 0.0), ms)
    return out


def med(values):
    return statistics.median(values) if values else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("binary")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--full", action="store_true",
                    help="also time one --level full run")
    ap.add_argument("--json", help="write the raw samples here")
    ap.add_argument("--reports", help="keep each round's report here "
                    "(round-N.json), for bench/show_timeline.py")
    args = ap.parse_args()
    if args.reports:
        os.makedirs(args.reports, exist_ok=True)
    env = dict(os.environ, NCCL_NVLS_ENABLE="0")
    tmp = tempfile.mkdtemp(prefix="ttv-")
    report_path = os.path.join(tmp, "report.json")
    ours, theirs = [], []
    for rnd in range(args.rounds):
        wall, peak, rc, out = timed_run(
            [args.binary, "--json", report_path, "-q"], env)
        report = json.load(open(report_path))
        if args.reports:
            with open(os.path.join(args.reports, f"round-{rnd + 1}.json"),
                      "w") as f:
                json.dump(report, f)
        timeline = report.get("timeline", {})
        # Where start-up went: the node's cuInit and when the GPU lanes began.
        node = {r["probe"]: r for r in report["results"]}
        cuinit = node.get("driver.cuda_init", {}).get("duration_ms", 0)
        lanes = [min(r["started_ms"] for r in g["results"])
                 for g in report["gpus"] if g["results"]]
        ours.append({"wall_s": wall, "tree_peak_kib": peak, "exit": rc,
                     "verdict": report["verdict"],
                     "stages_ms": stage_spans(report),
                     "supervisor_peak_kib":
                         timeline.get("supervisor", {}).get("peak_rss_kib"),
                     "worker_peak_kib": max(
                         [w.get("peak_rss_kib") or 0
                          for w in timeline.get("workers", [])], default=None),
                     "report_ms": report["duration_ms"]})
        print(f"round {rnd + 1}: gpu-preflight {wall:.2f} s "
              f"(exit {rc}, {report['verdict']}, {peak / 1024:.0f} MiB tree; "
              f"node cuInit {cuinit:.0f} ms, GPU lanes from "
              f"{min(lanes, default=0):.0f} ms)", flush=True)
        wall, peak, rc, out = timed_run(
            [sys.executable, os.path.join(HERE, "pytorch_checks.py")], env)
        last = out.strip().splitlines()[-1] if out.strip() else "{}"
        try:
            parsed = json.loads(last)
        except json.JSONDecodeError:
            print(out[-2000:])
            parsed = {}
        theirs.append({"wall_s": wall, "tree_peak_kib": peak, "exit": rc,
                       "stages_ms": parsed.get("times_ms", {}),
                       "ok": parsed.get("ok", {}),
                       "main_peak_kib": parsed.get("peak_rss_kib")})
        print(f"round {rnd + 1}: PyTorch script {wall:.2f} s "
              f"(exit {rc}, {peak / 1024:.0f} MiB tree)", flush=True)

    gpus = len(report.get("gpus", []))
    print(f"\nmedians of {args.rounds} rounds, {gpus} GPU(s), "
          f"{report['gpus'][0].get('name', '?') if gpus else '?'}")
    print(f"{'':28}{'gpu-preflight':>15}{'PyTorch':>12}{'ratio':>8}")
    a = med([o["wall_s"] for o in ours])
    b = med([t["wall_s"] for t in theirs])
    print(f"{'wall time (s)':28}{a:15.2f}{b:12.2f}{a / b:8.3f}")
    a = med([o["tree_peak_kib"] for o in ours]) / 1024
    b = med([t["tree_peak_kib"] for t in theirs]) / 1024
    print(f"{'peak RSS, process tree (MiB)':28}{a:15.0f}{b:12.0f}{a / b:8.3f}")
    sup = [o["supervisor_peak_kib"] for o in ours if o["supervisor_peak_kib"]]
    wrk = [o["worker_peak_kib"] for o in ours if o["worker_peak_kib"]]
    main_peak = [t["main_peak_kib"] for t in theirs if t["main_peak_kib"]]
    if sup:
        print(f"{'supervisor peak RSS (MiB)':28}{med(sup) / 1024:15.1f}")
    if wrk:
        print(f"{'largest worker peak (MiB)':28}{med(wrk) / 1024:15.0f}")
    if main_peak:
        print(f"{'script main process (MiB)':28}{'':15}"
              f"{med(main_peak) / 1024:12.0f}")
    print("per stage (ms; gpu-preflight: the most any one worker spent in it)")
    b = med([t["stages_ms"].get("import", float("nan")) for t in theirs])
    print(f"  {'import torch':26}{'-':>15}{b:12.0f}")
    for check, stage in STAGE_OF_CHECK.items():
        a = med([o["stages_ms"].get(stage, float("nan")) for o in ours])
        b = med([t["stages_ms"].get(check, float("nan")) for t in theirs])
        # A check that takes under a millisecond has no meaningful ratio.
        ratio = f"{a / b:8.3f}" if b >= 1 else f"{'-':>8}"
        print(f"  {stage:26}{a:15.0f}{b:12.0f}{ratio}")
    failed = [t["ok"] for t in theirs if not all(t["ok"].values())]
    if failed:
        print(f"PyTorch script checks that failed: {failed[0]}")
    result = {"gpus": gpus, "ours": ours, "pytorch": theirs}
    if args.full:
        wall, peak, rc, out = timed_run(
            [args.binary, "--level", "full", "--json", report_path, "-q"], env)
        report = json.load(open(report_path))
        spans = stage_spans(report)
        print(f"\n--level full: {wall:.1f} s wall (exit {rc}, "
              f"{report['verdict']}), {peak / 1024:.0f} MiB tree; stages (ms) "
              + ", ".join(f"{s} {v:.0f}" for s, v in spans.items()))
        result["full"] = {"wall_s": wall, "exit": rc, "stages_ms": spans,
                          "verdict": report["verdict"]}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
