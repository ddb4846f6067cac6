"""Prints, as JSON, the GPU libraries that `import torch` maps in this
environment once it has run a matmul, a convolution, an NVRTC-compiled
kernel and touched NCCL: {family: real path} read from /proc/self/maps.
The GPU tests compare it with the copies gpu-preflight resolved and tested.
"""
import json
import os
import re

import torch

x = torch.randn(64, 64, device="cuda")
(x @ x).sum().item()
torch.nn.functional.conv2d(torch.randn(1, 3, 8, 8, device="cuda"),
                           torch.randn(4, 3, 3, 3, device="cuda")).sum().item()
try:  # NVRTC: torch's jiterator compiles through it
    f = torch.cuda.jiterator._create_jit_fn("template <typename T> T f(T a) { return a + a; }")
    f(x).sum().item()
except Exception as e:  # report what is mapped anyway
    print("# jiterator:", e, flush=True)
torch.cuda.nccl.version()
patterns = {
    "cudart": r"/libcudart\.so\.\d+", "cublasLt": r"/libcublasLt\.so\.\d+",
    "cublas": r"/libcublas\.so\.\d+", "cudnn": r"/libcudnn\.so\.\d+",
    "nccl": r"/libnccl\.so\.\d+", "nvrtc": r"/libnvrtc\.so\.\d+",
}
found = {}
with open("/proc/self/maps") as maps:
    for line in maps:
        path = line.split()[-1] if "/" in line else ""
        for family, pattern in patterns.items():
            if re.search(pattern, path):
                found.setdefault(family, os.path.realpath(path))
print(json.dumps(found))
