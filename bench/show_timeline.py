#!/usr/bin/env python3
"""Prints a gpu-preflight report's timeline as text: each worker (spawned,
first result, last result, exit), then each lane's probes in start order with
their start, duration and, where a probe recorded them, its phases
(details.phases_ms). The critical path of a run is the lane whose last probe
ends last; this shows what it waited for.

Usage: python3 bench/show_timeline.py REPORT.json [--probes]
"""
import json
import sys


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        report = json.load(f)
    timeline = report.get("timeline", {})
    print(f"verdict {report.get('verdict')}; supervisor peak "
          f"{timeline.get('supervisor', {}).get('peak_rss_kib', 0) / 1024:.1f} MiB")
    print("workers: lane  spawned  first  last  exited (ms)  peak RSS")
    for w in timeline.get("workers", []):
        def ms(key):
            v = w.get(key)
            return "-" if v is None else f"{v:.0f}"
        print(f"  {w['lane']:8} {ms('spawned_ms'):>6} {ms('first_result_ms'):>6} "
              f"{ms('last_result_ms'):>6} {ms('exited_ms'):>6}  "
              f"{w.get('peak_rss_kib', 0) / 1024:.0f} MiB")
    print("stages: " + ", ".join(
        f"{s['stage']} {s['started_ms']:.0f}-{s['ended_ms']:.0f}"
        for s in timeline.get("stages", [])))
    if "--probes" not in sys.argv:
        return
    lanes = {"node": report.get("results", [])}
    for gpu in report.get("gpus", []):
        lanes[f"gpu {gpu.get('index')}"] = gpu.get("results", [])
    for lane, results in lanes.items():
        print(f"{lane}:")
        for r in sorted(results, key=lambda r: r.get("started_ms", 0)):
            phases = (r.get("details") or {}).get("phases_ms") or {}
            extra = " ".join(f"{k}={v:.0f}" for k, v in phases.items()
                             if isinstance(v, (int, float)))
            print(f"  {r.get('started_ms', 0):7.0f} +{r.get('duration_ms', 0):6.0f}"
                  f"  {r['outcome']:5} {r['probe']:24} {extra}")


if __name__ == "__main__":
    main()
