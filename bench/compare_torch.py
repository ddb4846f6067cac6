#!/usr/bin/env python3
"""gpu-preflight's tensor stage against the same work done through PyTorch.

On a GPU machine, alternately (several rounds, one process each):
  * `gpu-preflight --stages tensor --gpus N` (its BF16 GEMM TFLOP/s and its
    device-to-device copy GB/s, read from the JSON report), and
  * the same BF16 GEMM (8192^3, fresh uniform inputs, 2 warm-up, median of 8
    event-timed runs) and the same copy (512 MiB, read+write bytes counted,
    3 warm-up, median of 10) through torch on the same card.
Prints medians over the rounds and the ratios preflight / torch (target:
>= 0.95 each), plus how long the tensor and cudnn stages took per GPU.

Usage: python3 bench/compare_torch.py BUILD/bin/gpu-preflight [--gpu 0] [--rounds 3]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import torch


def torch_gemm_tflops(device, n=8192, warmup=2, runs=8):
    a = (torch.rand(n, n, device=device) * 2 - 1).to(torch.bfloat16)
    b = (torch.rand(n, n, device=device) * 2 - 1).to(torch.bfloat16)
    for _ in range(warmup):
        torch.matmul(a, b)
    times = []
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    for _ in range(runs):
        start.record()
        torch.matmul(a, b)
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop))
    return 2 * n ** 3 / (statistics.median(times) * 1e-3) / 1e12


def torch_copy_gbps(device, nbytes=512 << 20, warmup=3, runs=10):
    src = torch.randint(0, 2 ** 31 - 1, (nbytes // 4,), dtype=torch.int32, device=device)
    dst = torch.empty_like(src)
    for _ in range(warmup):
        dst.copy_(src)
    times = []
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    for _ in range(runs):
        start.record()
        dst.copy_(src)
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop))
    assert torch.equal(dst, src)
    return 2 * nbytes / (statistics.median(times) * 1e-3) / 1e9


def metric(result, name):
    for m in result["metrics"]:
        if m["name"] == name:
            return m["value"]
    raise KeyError(name)


def preflight_round(binary, gpu):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "r.json")
        started = time.monotonic()
        proc = subprocess.run([binary, "--stages", "tensor,cudnn", "--gpus", str(gpu), "-q",
                               "--json", path], capture_output=True, text=True)
        wall = time.monotonic() - started
        report = json.load(open(path))
    results = {r["probe"]: r for r in report["gpus"][0]["results"]}
    stage_ms = {}
    for r in report["gpus"][0]["results"]:
        stage_ms[r["stage"]] = stage_ms.get(r["stage"], 0) + r["duration_ms"]
    return {
        "exit": proc.returncode,
        "wall_s": wall,
        "gemm": metric(results["tensor.gemm"], "bf16_tflops"),
        "copy": metric(results["tensor.copy"], "copy_gbps"),
        "stage_ms": stage_ms,
        "card": report["gpus"][0]["name"],
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--gpu", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    device = torch.device("cuda", args.gpu)
    rows = []
    for i in range(args.rounds):
        p = preflight_round(args.binary, args.gpu)  # a separate process
        t_gemm = torch_gemm_tflops(device)
        t_copy = torch_copy_gbps(device)
        rows.append((p, t_gemm, t_copy))
        print(f"round {i + 1}: preflight gemm {p['gemm']:.1f} TFLOP/s copy {p['copy']:.0f} GB/s"
              f" (exit {p['exit']}, {p['wall_s']:.2f} s) | torch gemm {t_gemm:.1f} copy "
              f"{t_copy:.0f}", flush=True)
    pg = statistics.median(r[0]["gemm"] for r in rows)
    pc = statistics.median(r[0]["copy"] for r in rows)
    tg = statistics.median(r[1] for r in rows)
    tc = statistics.median(r[2] for r in rows)
    stages = {k: statistics.median(r[0]["stage_ms"].get(k, 0) for r in rows)
              for k in rows[0][0]["stage_ms"]}
    print()
    print(f"card: {rows[0][0]['card']} (GPU {args.gpu}); torch {torch.__version__}; "
          f"medians of {args.rounds} rounds")
    print(f"{'':22}{'gpu-preflight':>15}{'PyTorch':>12}{'ratio':>8}")
    print(f"{'BF16 GEMM 8192^3':22}{pg:>11.1f} TF/s{tg:>8.1f} TF/s{pg / tg:>8.3f}")
    print(f"{'D2D copy 512 MiB r+w':22}{pc:>11.0f} GB/s{tc:>8.0f} GB/s{pc / tc:>8.3f}")
    print("per-GPU stage time (ms, sum of probe durations): " +
          ", ".join(f"{k} {v:.0f}" for k, v in stages.items()))
    ok = pg / tg >= 0.95 and pc / tc >= 0.95
    print("target (>= 0.95 of PyTorch on both):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
