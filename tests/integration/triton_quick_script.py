#!/usr/bin/env python3
"""compile.triton_kernel's quick-level script against a real Triton, without
a GPU.

The quick level drives Triton's own CUDA driver instead of torch
(src/probes/compile/triton_kernel.cc), through Triton APIs that changed
between releases (ASTSource's constants, the launch arguments). This runs
the script as the probe embeds it, with the python3 given in
PREFLIGHT_TRITON_PYTHON (one with Triton installed; skipped where none is
given or it has no Triton), a stand-in for the script's own libcuda calls
(context, memory, an sm_90 capability), and the CUDA toolkit's stub
libcuda for Triton's C utilities, so that everything up to loading the
kernel runs for real: Triton's code generation, ptxas, and the C compiler
building Triton's utilities and launcher. It must
  * reach the launch step (the stub libcuda refuses the load there),
  * leave the kernel's cubin in the Triton cache it was given,
  * never import torch (a torch package on the path that marks its import).

Checked this way with Triton 3.0.0, 3.1.0, 3.2.0, 3.3.1, 3.4.0, 3.5.0 and
3.6.0 (2026-12-07). Usage: triton_quick_script.py <triton_kernel.cc>
"""
import json
import os
import re
import subprocess
import sys
import tempfile

HARNESS = r'''
import ctypes, sys
real_cdll = ctypes.CDLL
class StandInCuda:  # the script's own libcuda calls, answered as an sm_90
    def __getattr__(self, name):
        def call(*args):
            if name == "cuDeviceGetAttribute":
                args[0]._obj.value = 9 if args[1] == 75 else 0
            elif name == "cuMemAlloc_v2":
                args[0]._obj.value = 0x7f0000000000
            return 0
        return call
ctypes.CDLL = lambda name, *a, **k: (StandInCuda() if name == "libcuda.so.1"
                                     else real_cdll(name, *a, **k))
exec(compile(open(sys.argv[1]).read(), "quick", "exec"), {"__name__": "__main__"})
'''


def script_from(source_path):
    text = open(source_path).read()
    parts = []
    for name in ("kScriptStart", "kThroughTritonDriver", "kScriptEnd"):
        m = re.search(r'constexpr const char\* ' + name + r' = R"PY\((.*?)\)PY";', text, re.S)
        if not m:
            sys.exit(f"FAIL: {name} not found in {source_path}")
        parts.append(m.group(1))
    return "".join(parts)


def main():
    python = os.environ.get("PREFLIGHT_TRITON_PYTHON", "")
    if not python:
        print("SKIP: set PREFLIGHT_TRITON_PYTHON to a python3 with Triton")
        return 77
    if subprocess.run([python, "-c", "import triton"], capture_output=True).returncode:
        print(f"SKIP: {python} has no Triton")
        return 77
    stub = "/usr/local/cuda/lib64/stubs/libcuda.so"
    if not os.path.exists(stub):
        print(f"SKIP: no CUDA toolkit stub libcuda at {stub}")
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(f"{tmp}/lib")
        os.symlink(stub, f"{tmp}/lib/libcuda.so.1")
        os.makedirs(f"{tmp}/site/torch")
        with open(f"{tmp}/site/torch/__init__.py", "w") as f:
            f.write(f"open({tmp + '/torch-imported'!r}, 'w').close()\n")
        with open(f"{tmp}/site/torch/version.py", "w") as f:
            f.write("__version__ = '2.11.0+cu130'\ncuda = '13.0'\n")
        with open(f"{tmp}/quick.py", "w") as f:
            f.write(script_from(sys.argv[1]))
        with open(f"{tmp}/harness.py", "w") as f:
            f.write(HARNESS)
        env = dict(os.environ, PYTHONPATH=f"{tmp}/site", LD_LIBRARY_PATH=f"{tmp}/lib",
                   TRITON_LIBCUDA_PATH=f"{tmp}/lib", TRITON_CACHE_DIR=f"{tmp}/cache")
        out = subprocess.run([python, f"{tmp}/harness.py", f"{tmp}/quick.py"], env=env,
                             capture_output=True, text=True, timeout=300).stdout
        line = [x for x in out.splitlines() if x.startswith("PREFLIGHT_TRITON ")]
        if not line:
            print(f"FAIL: no marked line; output:\n{out}")
            return 1
        report = json.loads(line[-1][len("PREFLIGHT_TRITON "):])
        print("triton", report.get("triton"), "stage", report.get("stage"),
              report.get("error_type", ""), report.get("error", "")[:200])
        cubins = [n for _, _, names in os.walk(f"{tmp}/cache") for n in names
                  if n == "two_x_plus_one.cubin"]
        problems = []
        if report.get("stage") != "compile and launch" or "Triton Error [CUDA]" not in report.get("error", ""):
            problems.append("expected to stop at the kernel's load on the stub libcuda")
        if not cubins:
            problems.append("no two_x_plus_one.cubin in the Triton cache")
        if os.path.exists(f"{tmp}/torch-imported"):
            problems.append("the script imported torch")
        for p in problems:
            print("FAIL:", p)
        if not problems:
            print("ok: compiled, ptxas and launcher built, stopped at the load, torch not imported")
        return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
