#!/usr/bin/env python3
"""Makes a small AOTInductor package with the installed PyTorch, for
`gpu-preflight --aoti-package FILE.pt2` (the compile.aoti_package probe).

The package declares its input and output shapes in its metadata
(preflight_inputs / preflight_outputs), which the probe reads to build
inputs and check outputs. Needs a GPU (the package is compiled for it).

Usage: python3 bench/make_aoti_package.py OUT.pt2
"""
import sys

import torch


class Model(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = torch.nn.Linear(256, 512)
        self.fc2 = torch.nn.Linear(512, 64)

    def forward(self, x):
        return self.fc2(torch.nn.functional.gelu(self.fc1(x)))


def main():
    out = sys.argv[1]
    model = Model().cuda().eval()
    example = (torch.randn(8, 256, device="cuda"),)
    with torch.no_grad():
        exported = torch.export.export(model, example)
        path = torch._inductor.aoti_compile_and_package(
            exported, package_path=out,
            inductor_configs={"aot_inductor.metadata": {"preflight_inputs": "8x256",
                                                        "preflight_outputs": "8x64"}})
    print(path)


if __name__ == "__main__":
    main()
