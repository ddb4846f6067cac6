#!/usr/bin/env python3
"""Another job on the GPU, for the busy-GPU test: holds a share of the free
memory of the GPU it sees and keeps its SMs saturated with back-to-back BF16
matmuls, until it is killed or the time is up. Prints "ready PID" once the
memory is held and the first matmuls ran.

Usage: CUDA_VISIBLE_DEVICES=<uuid> busy_gpu_load.py <memory fraction> <seconds>
"""
import os
import sys
import time

import torch


def main():
    fraction, seconds = float(sys.argv[1]), float(sys.argv[2])
    free, _ = torch.cuda.mem_get_info()
    held = torch.empty(int(free * fraction), dtype=torch.uint8, device="cuda")
    held.fill_(1)  # touch it: the memory is really in use
    a = torch.randn(8192, 8192, device="cuda", dtype=torch.bfloat16)
    b = torch.randn(8192, 8192, device="cuda", dtype=torch.bfloat16)
    for _ in range(10):
        a @ b
    torch.cuda.synchronize()
    print("ready", os.getpid(), flush=True)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for _ in range(50):
            a @ b
        torch.cuda.synchronize()
    del held
    return 0


if __name__ == "__main__":
    sys.exit(main())
