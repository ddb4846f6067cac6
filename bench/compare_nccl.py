#!/usr/bin/env python3
"""gpu-preflight's NCCL stage against torch.distributed all-reduce.

On a GPU machine, alternately (several rounds):
  * `gpu-preflight --stages nccl` (one process per GPU, its bus bandwidth per
    size from the report's node result), and
  * torch.distributed all-reduce with the NCCL backend, one process per GPU
    (torch.multiprocessing), the same sizes (1 MiB, 32 MiB, 256 MiB, 1 GiB,
    float32, out of place like gpu-preflight), 1-3 warm-up then the median of
    event-timed iterations, the slowest rank's time.
busbw = algbw * 2(n-1)/n (nccl-tests). Prints medians over rounds per size
and the ratio; target >= 0.95 at 256 MiB - 1 GiB.

Usage: python3 bench/compare_nccl.py BUILD/bin/gpu-preflight [--rounds 3]
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

SIZES = [1 << 20, 32 << 20, 256 << 20, 1 << 30]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def worker(rank, world, port, out):
    torch.cuda.set_device(rank)
    dist.init_process_group("nccl", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                            world_size=world, device_id=torch.device("cuda", rank))
    times = {}
    for nbytes in SIZES:
        count = nbytes // 4
        send = torch.full((count,), float(rank + 1), device="cuda")
        recv = torch.empty_like(send)
        big = nbytes >= (256 << 20)
        for _ in range(1 if big else 3):
            recv.copy_(send)
            dist.all_reduce(recv)
        torch.cuda.synchronize()
        samples = []
        for _ in range(5 if big else 10):
            recv.copy_(send)  # out of place: reduce a fresh copy, copy not timed
            start = torch.cuda.Event(enable_timing=True)
            stop = torch.cuda.Event(enable_timing=True)
            start.record()
            dist.all_reduce(recv)
            stop.record()
            stop.synchronize()
            samples.append(start.elapsed_time(stop) * 1000)
        assert torch.all(recv == world * (world + 1) / 2)
        times[nbytes] = statistics.median(samples)
    gathered = [None] * world
    dist.all_gather_object(gathered, times)
    if rank == 0:
        slowest = {n: max(t[n] for t in gathered) for n in SIZES}
        json.dump(slowest, open(out, "w"))
    dist.destroy_process_group()


def torch_round(world):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "t.json")
        mp.spawn(worker, args=(world, free_port(), out), nprocs=world, join=True)
        us = {int(k): v for k, v in json.load(open(out)).items()}
    return {n: n / (us[n] * 1e-6) / 1e9 * 2 * (world - 1) / world for n in SIZES}


def preflight_round(binary):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "r.json")
        proc = subprocess.run([binary, "--stages", "nccl", "-q", "--json", path],
                              capture_output=True, text=True)
        report = json.load(open(path))
    node = next(r for r in report["results"] if r["probe"] == "nccl.all_reduce")
    sizes = {int(s["bytes"]): s["busbw_gbps"] for s in node["details"]["sizes"]}
    return proc.returncode, sizes, node


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    world = torch.cuda.device_count()
    if world < 2:
        print("needs 2 or more GPUs")
        return 1
    rows = []
    node = None
    for i in range(args.rounds):
        rc, ours, node = preflight_round(args.binary)
        theirs = torch_round(world)
        rows.append((ours, theirs))
        print(f"round {i + 1}: exit {rc}; " + ", ".join(
            f"{n >> 20} MiB {ours.get(n, 0):.1f}/{theirs[n]:.1f}" for n in SIZES), flush=True)
    print()
    print(f"{world}x {torch.cuda.get_device_name(0)}; torch {torch.__version__}; "
          f"transport {', '.join(node['details'].get('transports', []))}; "
          f"init {next((m['value'] for m in node['metrics'] if m['name'] == 'init_ms'), 0):.0f} ms")
    print(f"{'size':>10}{'gpu-preflight':>16}{'torch.dist':>14}{'ratio':>8}   (busbw GB/s, medians of "
          f"{args.rounds})")
    ok = True
    for n in SIZES:
        ours = statistics.median(r[0].get(n, 0) for r in rows)
        theirs = statistics.median(r[1][n] for r in rows)
        ratio = ours / theirs if theirs else 0
        if n >= (256 << 20) and ratio < 0.95:
            ok = False
        print(f"{n >> 20:>6} MiB{ours:>16.1f}{theirs:>14.1f}{ratio:>8.3f}")
    print("target (>= 0.95 at 256 MiB - 1 GiB):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
