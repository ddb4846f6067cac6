#!/usr/bin/env python3
"""gpu-preflight's libtorch CUDA-graph probe against the same block timed
with PyTorch from Python (torch.cuda.CUDAGraph), on the same card, in one
run: 4 x (addmm 512^3 FP32, TF32 off, + GELU); first eager block, warm eager
block, graph capture + first replay (cold), warm replay; medians of 5 batches
of 20 with synchronized clocks, as the probe does. Prints both and ratios
(preflight / python; for times, lower is better).

Usage: python3 bench/compare_graphs.py BUILD/bin/gpu-preflight [--rounds 3]
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


def per_block_us(fn):
    samples = []
    for _ in range(5):
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(20):
            fn()
        torch.cuda.synchronize()
        samples.append((time.perf_counter() - t0) * 1e6 / 20)
    return statistics.median(samples)


def python_round():
    torch.backends.cuda.matmul.allow_tf32 = False
    dev = torch.device("cuda", 0)
    ws = [torch.rand(512, 512, device=dev) * 2 - 1 for _ in range(4)]
    bs = [torch.rand(512, device=dev) * 2 - 1 for _ in range(4)]
    x = torch.rand(512, 512, device=dev) * 2 - 1

    def block():
        y = x
        for w, b in zip(ws, bs):
            y = torch.nn.functional.gelu(torch.addmm(b, y, w, beta=1.0, alpha=1.0 / 16))
        return y

    eager_us = per_block_us(block)
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(3):
            block()
    torch.cuda.current_stream().wait_stream(side)
    torch.cuda.synchronize()
    graph = torch.cuda.CUDAGraph()
    t0 = time.perf_counter()
    with torch.cuda.graph(graph):
        out = block()
    graph.replay()
    torch.cuda.synchronize()
    cold_ms = (time.perf_counter() - t0) * 1e3
    replay_us = per_block_us(graph.replay)
    assert torch.equal(out, block())
    return {"cold_ms": cold_ms, "warm_us": replay_us, "eager_us": eager_us}


def preflight_round(binary):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "r.json")
        subprocess.run([binary, "--stages", "compile", "--gpus", "0", "-q", "--json", path],
                       capture_output=True, text=True)
        report = json.load(open(path))
    r = next(x for x in report["gpus"][0]["results"] if x["probe"] == "compile.torch_graph")
    return {m["name"]: m["value"] for m in r["metrics"]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    ours, theirs = [], []
    for i in range(args.rounds):
        ours.append(preflight_round(args.binary))
        theirs.append(python_round())
        print(f"round {i + 1}: preflight {ours[-1]} | python {theirs[-1]}", flush=True)
    print()
    print(f"{torch.cuda.get_device_name(0)}; torch {torch.__version__}; medians of {args.rounds}")
    print(f"{'':12}{'gpu-preflight':>15}{'python':>10}{'ratio':>8}")
    for key, unit in (("cold_ms", "ms"), ("warm_us", "us"), ("eager_us", "us")):
        a = statistics.median(o[key] for o in ours)
        b = statistics.median(t[key] for t in theirs)
        print(f"{key:12}{a:>12.1f} {unit}{b:>7.1f} {unit}{a / b:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
