#!/usr/bin/env python3
"""What CUDA start-up costs a process, alone and beside others.

gpu-preflight gives every GPU its own worker process (fault isolation), so
on N GPUs it pays N driver initializations (cuInit) and N context creations
where a PyTorch script pays one cuInit. This measures those costs directly,
through the driver API (ctypes on libcuda.so.1), to see which part grows with
the number of processes and GPUs (issue 8):

  solo-all    one process, every GPU visible: cuInit, then a primary context
              on GPU 0
  solo-one    one process that sees only GPU 0 (CUDA_VISIBLE_DEVICES=UUID)
  par-one     N processes, each seeing only its own GPU, released together
  par-one-held  the same while another process that has run cuInit with
              every GPU visible stays alive (does an open driver make the
              next cuInit cheaper, as with persistence mode off?)
  par-all     N processes, each seeing every GPU, each using its own
  seq-one     N one-GPU processes one after another
  node-then-one  gpu-preflight's order: a "node" process with every GPU
              visible runs cuInit (no context, as the node worker's
              enumeration), and when it is done the N one-GPU processes
              start while it stays alive; "all ready" counts from the node's
              cuInit
  node-with-one  the alternative: the node process and the N one-GPU
              processes all start together

Each process loads libcuda and waits for a common start time before calling
cuInit, so Python's own start-up is not counted. Per process it prints the
cuInit and context-creation times and their start/end on the shared
CLOCK_MONOTONIC, so overlap (or serialization) across processes is visible.

Usage: python3 bench/cuda_init_cost.py [--repeat 3] [--procs N]
       [--scenarios solo-all,par-one,...] [--json FILE]
"""
import argparse
import ctypes
import json
import os
import statistics
import subprocess
import sys
import time


def child(start_at, device_ordinal):
    cuda = ctypes.CDLL("libcuda.so.1")
    while time.monotonic() < start_at:
        time.sleep(0.0005)
    t0 = time.monotonic()
    rc = cuda.cuInit(0)
    t1 = time.monotonic()
    if device_ordinal < 0:  # cuInit only, like the node worker's enumeration
        print(json.dumps({"rc": [rc], "init_start": t0, "init_end": t1,
                          "ctx_end": t1, "init_ms": (t1 - t0) * 1e3,
                          "ctx_ms": 0.0}), flush=True)
        time.sleep(float(os.environ.get("HOLD_S", "0")))
        return
    dev = ctypes.c_int()
    ctx = ctypes.c_void_p()
    rc2 = cuda.cuDeviceGet(ctypes.byref(dev), device_ordinal)
    rc3 = cuda.cuDevicePrimaryCtxRetain(ctypes.byref(ctx), dev)
    rc4 = cuda.cuCtxSetCurrent(ctx)
    ptr = ctypes.c_uint64()
    rc5 = cuda.cuMemAlloc_v2(ctypes.byref(ptr), ctypes.c_size_t(1 << 20))
    t2 = time.monotonic()
    print(json.dumps({"rc": [rc, rc2, rc3, rc4, rc5], "init_start": t0,
                      "init_end": t1, "ctx_end": t2,
                      "init_ms": (t1 - t0) * 1e3,
                      "ctx_ms": (t2 - t1) * 1e3}), flush=True)
    hold = float(os.environ.get("HOLD_S", "0"))
    if hold:
        time.sleep(hold)


def uuids():
    out = subprocess.run(["nvidia-smi", "--query-gpu=uuid", "--format=csv,noheader"],
                         capture_output=True, text=True, check=True).stdout
    return [u.strip() for u in out.splitlines() if u.strip()]


def launch(envs, ordinals, stagger=False):
    """Starts one child per env; returns their measurements."""
    procs = []
    start_at = time.monotonic() + 0.8  # after every child has loaded libcuda
    for env, ordinal in zip(envs, ordinals):
        full = dict(os.environ, **env)
        procs.append(subprocess.Popen(
            [sys.executable, __file__, "--child", str(start_at), str(ordinal)],
            stdout=subprocess.PIPE, text=True, env=full))
        if stagger:  # one after another: wait for this one to finish
            out = procs[-1].communicate()[0]
            procs[-1] = out
            start_at = time.monotonic() + 0.3
    results = []
    for p in procs:
        out = p if isinstance(p, str) else p.communicate()[0]
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def scenario(name, ids, procs=0):
    # --procs N: N one-GPU processes, process i on GPU i % len(ids), to see
    # how cuInit and context creation queue with more processes than GPUs.
    n = procs or len(ids)
    one = [{"CUDA_VISIBLE_DEVICES": ids[i % len(ids)]} for i in range(n)]
    if name == "solo-all":
        return launch([{}], [0])
    if name == "solo-one":
        return launch(one[:1], [0])
    if name == "par-one":
        return launch(one, [0] * n)
    if name == "par-all":
        return launch([{}] * n, [i % len(ids) for i in range(n)])
    if name == "seq-one":
        return launch(one, [0] * n, stagger=True)
    if name == "node-with-one":
        rows = launch([{"HOLD_S": "2"}] + one, [-1] + [0] * n)
        # The node's cuInit is reported as the first process; "all ready"
        # spans from the first cuInit to the last one-GPU context.
        return rows
    if name == "node-then-one":
        node = subprocess.Popen(
            [sys.executable, __file__, "--child", "0", "-1"],
            stdout=subprocess.PIPE, text=True,
            env=dict(os.environ, HOLD_S="30"))
        first = json.loads(node.stdout.readline())  # its cuInit is done
        try:
            rows = launch(one, [0] * n)
        finally:
            node.kill()
            node.wait()
        # As if the one-GPU processes had started the moment the node's
        # cuInit ended (the launch's own delay left out).
        shift = min(p["init_start"] for p in rows) - first["init_end"]
        for p in rows:
            for k in ("init_start", "init_end", "ctx_end"):
                p[k] -= shift
        return [first] + rows
    if name == "par-one-held":
        holder = subprocess.Popen(
            [sys.executable, "-c",
             "import ctypes,sys,time;c=ctypes.CDLL('libcuda.so.1');"
             "print(c.cuInit(0),flush=True);time.sleep(30)"],
            stdout=subprocess.PIPE, text=True)
        holder.stdout.readline()  # its cuInit is done
        try:
            return launch(one, [0] * n)
        finally:
            holder.kill()
            holder.wait()
    raise ValueError(name)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(float(sys.argv[2]), int(sys.argv[3]))
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json")
    ap.add_argument("--procs", type=int, default=0,
                    help="processes in the par-/seq- scenarios (default: "
                         "one per GPU)")
    ap.add_argument("--scenarios", default="solo-all,solo-one,par-one,"
                    "par-one-held,par-all,seq-one")
    args = ap.parse_args()
    ids = uuids()
    names = args.scenarios.split(",")
    print(f"{len(ids)} GPU(s), {args.procs or len(ids)} processes in par-/seq-; "
          f"medians of {args.repeat} repeats; ms")
    print(f"{'scenario':14} {'cuInit (each)':>22} {'context (each)':>22} "
          f"{'all ready':>10}")
    everything = {}
    for name in names:
        rows = []
        for _ in range(args.repeat):
            rows.append(scenario(name, ids, args.procs))
        everything[name] = rows
        n = len(rows[0])
        inits = [statistics.median(r[i]["init_ms"] for r in rows)
                 for i in range(n)]
        ctxs = [statistics.median(r[i]["ctx_ms"] for r in rows)
                for i in range(n)]
        # From the first cuInit to the last process having a context.
        ready = statistics.median(
            (max(p["ctx_end"] for p in r) - min(p["init_start"] for p in r))
            * 1e3 for r in rows) if name != "seq-one" else statistics.median(
            sum(p["init_ms"] + p["ctx_ms"] for p in r) for r in rows)
        bad = [p["rc"] for r in rows for p in r if any(p["rc"])]
        print(f"{name:14} {' '.join(f'{x:.0f}' for x in inits):>22} "
              f"{' '.join(f'{x:.0f}' for x in ctxs):>22} {ready:10.0f}"
              + (f"  errors {bad[:2]}" if bad else ""))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(everything, f, indent=1)


if __name__ == "__main__":
    main()
