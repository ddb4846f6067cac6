#!/usr/bin/env python3
"""What a CUDA process's exit costs, alone and beside others.

gpu-preflight's supervisor waits for its GPU workers to be gone before it
returns, so the GPUs are free for the job it gates. In 2-GPU runs the first
worker is reaped 130-200 ms after its last result and the second ~100 ms
after that, which looks like the driver tearing contexts down one process
at a time; on more GPUs that would grow by ~0.1 s per GPU (issue 8). This
measures exit costs directly, through the driver API (ctypes on
libcuda.so.1), per scenario:

  init-only   N processes (one per GPU) that ran only cuInit
  ctx         N processes, each with a primary context on its own GPU
  ctx-mem     the same plus 2 GiB of device memory each
  ctx-pinned  the same plus 256 MiB of pinned host memory each
  ctx-reset   like ctx-mem, but each resets its primary context
              (cuDevicePrimaryCtxReset) before exiting; the reset is timed
              inside the process
  solo        one process like ctx-mem, alone

Each child prepares, then waits for a common time and calls os._exit (as
gpu-preflight's workers do: no atexit handlers). The parent reaps them
through pidfds, so "exit" is from the common time to each process being
reaped, on the shared CLOCK_MONOTONIC.

Usage: python3 bench/cuda_exit_cost.py [--repeat 3] [--procs N]
       [--kinds init-only,ctx,...] [--json FILE]
"""
import argparse
import ctypes
import json
import os
import select
import statistics
import subprocess
import sys
import time

from cuda_init_cost import uuids  # beside this file in bench/


def child(kind, exit_at):
    cuda = ctypes.CDLL("libcuda.so.1")
    rc = [cuda.cuInit(0)]
    reset_ms = 0.0
    if kind != "init-only":
        dev = ctypes.c_int()
        ctx = ctypes.c_void_p()
        rc.append(cuda.cuDeviceGet(ctypes.byref(dev), 0))
        rc.append(cuda.cuDevicePrimaryCtxRetain(ctypes.byref(ctx), dev))
        rc.append(cuda.cuCtxSetCurrent(ctx))
        if kind in ("ctx-mem", "ctx-reset", "solo"):
            ptr = ctypes.c_uint64()
            rc.append(cuda.cuMemAlloc_v2(ctypes.byref(ptr),
                                         ctypes.c_size_t(2 << 30)))
            rc.append(cuda.cuMemsetD8_v2(ptr, ctypes.c_ubyte(1),
                                         ctypes.c_size_t(2 << 30)))
            rc.append(cuda.cuCtxSynchronize())
        if kind == "ctx-pinned":
            host = ctypes.c_void_p()
            rc.append(cuda.cuMemHostAlloc(ctypes.byref(host),
                                          ctypes.c_size_t(256 << 20), 0))
    print(json.dumps({"rc": rc}), flush=True)
    while time.monotonic() < exit_at:
        time.sleep(0.0005)
    if kind == "ctx-reset":
        t0 = time.monotonic()
        cuda.cuDevicePrimaryCtxReset_v2(dev)
        reset_ms = (time.monotonic() - t0) * 1e3
        print(json.dumps({"reset_ms": reset_ms}), flush=True)
    os._exit(0)


def scenario(kind, ids, procs_wanted):
    # Process i uses GPU i % len(ids): --procs 4 on 2 GPUs puts two on each,
    # to see how the exits queue with more processes than this machine has
    # GPUs.
    use = ids[:1] if kind == "solo" else [
        ids[i % len(ids)] for i in range(procs_wanted or len(ids))]
    exit_at = time.monotonic() + 2.5  # after every child has prepared
    procs = []
    for u in use:
        procs.append(subprocess.Popen(
            [sys.executable, __file__, "--child", kind, str(exit_at)],
            stdout=subprocess.PIPE, text=True,
            env=dict(os.environ, CUDA_VISIBLE_DEVICES=u)))
    ready = [json.loads(p.stdout.readline()) for p in procs]
    poller = select.poll()
    fds = {}
    for p in procs:
        fd = os.pidfd_open(p.pid)
        fds[fd] = p
        poller.register(fd, select.POLLIN)
    reaped = {}
    while len(reaped) < len(procs):
        for fd, _ in poller.poll(1000):
            reaped[fd] = time.monotonic()
            poller.unregister(fd)
    rows = []
    for fd, p in fds.items():
        rest = p.stdout.read().strip().splitlines()
        p.wait()
        os.close(fd)
        row = {"rc": ready[procs.index(p)]["rc"],
               "exit_ms": (reaped[fd] - exit_at) * 1e3}
        for line in rest:
            row.update(json.loads(line))
        rows.append(row)
    return sorted(rows, key=lambda r: r["exit_ms"])


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], float(sys.argv[3]))
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json")
    ap.add_argument("--procs", type=int, default=0,
                    help="processes per scenario (default: one per GPU)")
    ap.add_argument("--kinds", default="init-only,ctx,ctx-mem,ctx-pinned,ctx-reset,solo")
    args = ap.parse_args()
    ids = uuids()
    kinds = args.kinds.split(",")
    print(f"{len(ids)} GPU(s), {args.procs or len(ids)} processes; medians of {args.repeat} repeats; ms from the "
          "common exit time to each process reaped, first to last")
    everything = {}
    for kind in kinds:
        runs = [scenario(kind, ids, args.procs) for _ in range(args.repeat)]
        everything[kind] = runs
        n = len(runs[0])
        exits = [statistics.median(r[i]["exit_ms"] for r in runs)
                 for i in range(n)]
        line = f"{kind:11} exits {' '.join(f'{x:5.0f}' for x in exits)}"
        if kind == "ctx-reset":
            resets = sorted(statistics.median(
                sorted(p["reset_ms"] for p in r)[i] for r in runs)
                for i in range(n))
            line += f"   resets inside {' '.join(f'{x:.0f}' for x in resets)}"
        bad = [p["rc"] for r in runs for p in r if any(p["rc"])]
        print(line + (f"  errors {bad[:2]}" if bad else ""), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(everything, f, indent=1)


if __name__ == "__main__":
    main()
