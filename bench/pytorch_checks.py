#!/usr/bin/env python3
"""The GPU check users write by hand instead of running gpu-preflight.

The same six checks as gpu-preflight's default run, the way a PyTorch user
would write them: nothing is skipped and nothing is deliberately slow.

  versions  torch, CUDA, cuDNN and NCCL versions, torch.cuda.is_available()
  devices   the device list with name, capability and memory
  tensor    per GPU: a 4096^2 matmul checked against the CPU (float64) and a
            512 MiB device-to-device copy checked element by element
  cudnn     per GPU: a 3x3 convolution checked against the CPU
  nccl      torch.distributed all-reduce over every GPU (NCCL backend, one
            process per GPU), 256 MiB, result checked
  compile   torch.compile of a small MLP on GPU 0, first call (warm-up)

Prints one line per check and, last, one JSON line with each check's wall
time in ms ("import" is `import torch`), the pass/fail of each, and this
process's peak RSS. Exit code 0 when every check passed.

Usage: python3 bench/pytorch_checks.py
"""
import json
import os
import resource
import socket
import sys
import time

T0 = time.perf_counter()
import torch  # noqa: E402  (timed: it is part of what the user waits for)
import torch.distributed as dist  # noqa: E402
import torch.multiprocessing as mp  # noqa: E402

TIMES = {"import": (time.perf_counter() - T0) * 1e3}
OK = {}


def check(name):
    def wrap(fn):
        def run(*args):
            start = time.perf_counter()
            try:
                OK[name] = bool(fn(*args))
            except Exception as e:  # a user's script reports and goes on
                print(f"{name}: FAILED: {e}")
                OK[name] = False
            TIMES[name] = (time.perf_counter() - start) * 1e3
            print(f"{name}: {'ok' if OK[name] else 'FAIL'} "
                  f"({TIMES[name]:.0f} ms)")
        return run
    return wrap


@check("versions")
def versions():
    print(f"  torch {torch.__version__}, CUDA {torch.version.cuda}, "
          f"cuDNN {torch.backends.cudnn.version()}, "
          f"NCCL {'.'.join(map(str, torch.cuda.nccl.version()))}")
    return torch.cuda.is_available()


@check("devices")
def devices():
    n = torch.cuda.device_count()
    for i in range(n):
        p = torch.cuda.get_device_properties(i)
        print(f"  {i}: {p.name} sm_{p.major}{p.minor} "
              f"{p.total_memory / 2**30:.0f} GiB")
    return n > 0


@check("tensor")
def tensor():
    good = True
    a = torch.randn(4096, 4096, dtype=torch.float32)
    b = torch.randn(4096, 4096, dtype=torch.float32)
    ref = (a.double() @ b.double())
    for i in range(torch.cuda.device_count()):
        dev = torch.device("cuda", i)
        c = (a.to(dev) @ b.to(dev)).cpu().double()
        err = ((c - ref).norm() / ref.norm()).item()
        src = torch.randint(-2**31, 2**31 - 1, (128 << 20,), dtype=torch.int32,
                            device=dev)  # 512 MiB
        dst = src.clone()
        torch.cuda.synchronize(dev)
        same = torch.equal(src, dst)
        print(f"  gpu{i}: matmul relative error {err:.1e}, copy "
              f"{'intact' if same else 'CORRUPT'}")
        good = good and err < 3e-3 and same  # TF32 may be on
    return good


@check("cudnn")
def cudnn():
    good = True
    x = torch.randn(8, 64, 56, 56)
    w = torch.randn(64, 64, 3, 3)
    ref = torch.nn.functional.conv2d(x.double(), w.double(), padding=1)
    for i in range(torch.cuda.device_count()):
        dev = torch.device("cuda", i)
        y = torch.nn.functional.conv2d(x.to(dev), w.to(dev), padding=1)
        err = ((y.cpu().double() - ref).norm() / ref.norm()).item()
        print(f"  gpu{i}: conv relative error {err:.1e}")
        good = good and err < 3e-3
    return good


def _all_reduce_worker(rank, world, port, results):
    torch.cuda.set_device(rank)
    dist.init_process_group("nccl", init_method=f"tcp://127.0.0.1:{port}",
                            rank=rank, world_size=world,
                            device_id=torch.device("cuda", rank))
    t = torch.full((64 << 20,), float(rank + 1), device="cuda")  # 256 MiB
    dist.all_reduce(t)
    torch.cuda.synchronize()
    expected = world * (world + 1) / 2
    results[rank] = bool((t == expected).all().item())
    dist.destroy_process_group()


@check("nccl")
def nccl():
    world = torch.cuda.device_count()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    results = mp.Manager().dict()
    mp.spawn(_all_reduce_worker, args=(world, port, results), nprocs=world)
    print(f"  {world} ranks: {dict(results)}")
    return len(results) == world and all(results.values())


@check("compile")
def compile_check():
    model = torch.nn.Sequential(torch.nn.Linear(512, 512), torch.nn.GELU(),
                                torch.nn.Linear(512, 512)).cuda()
    x = torch.randn(64, 512, device="cuda")
    compiled = torch.compile(model)
    y = compiled(x)
    torch.cuda.synchronize()
    return torch.allclose(y, model(x), rtol=1e-3, atol=1e-3)


def main():
    versions()
    devices()
    tensor()
    cudnn()
    nccl()
    compile_check()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"times_ms": TIMES, "ok": OK, "peak_rss_kib": peak_kib}))
    sys.stdout.flush()
    return 0 if all(OK.values()) else 1


if __name__ == "__main__":
    os.environ.setdefault("NCCL_NVLS_ENABLE", "0")
    sys.exit(main())
