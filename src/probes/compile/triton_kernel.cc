// compile.triton_kernel — does the first step of torch.compile's GPU path
// work for the job: can its python3 compile, load and launch a Triton
// kernel?
//
// The job's python3, with the job's environment, user and Triton cache,
// runs a small script: compile a one-line Triton kernel (y = 2x + 1) that
// no cache holds yet (a per-run constant is part of its key), so that
// Triton's code generation and ptxas run, launch it on random inputs on GPU
// 0 of the job's CUDA_VISIBLE_DEVICES, and compare with the exact answer.
// Triton's driver utilities and launcher come from the job's Triton cache
// where the job has built them before, and are built there (the C
// compiler, Python.h, libcuda) where it has not, as the job's first compile
// would; the kernel's own cache entry is removed afterwards.
// At the quick level the script does not import torch (seconds: with it,
// this check took the default run on an H100 from 1.5 s to 4.9 s): Triton's
// own CUDA driver runs the kernel on memory from libcuda, and the job's
// torch is found, not imported (its version file says which build). With
// --torch-compile or at --level full it goes through torch as
// torch.compile does (torch's tensors, device and stream).
// The script reports each step it reaches and any exception on a marked
// stdout line, with the last of what it, Triton and the compiler wrote to
// stderr (kept in memory). It runs in a lane of its own from the start,
// beside the GPU lanes, once per node.
// Pass: the kernel ran and its output is exact.
// Fail: it did not compile, load, launch or finish (the cause is what
// Triton, the compiler or CUDA said, then what explains it,
// rules/compile_failure.h): a fail where the run checks torch.compile
// (--torch-compile, --level full), a warn at the quick level (eager torch
// is unaffected); or it computed wrong values (always a fail).
// Skip: no torch, torch's import fails (driver.libraries says why), no CUDA
// context (the driver probes say why), a CPU-only torch, an
// EXCLUSIVE_PROCESS GPU (the tool's own limit), a Triton whose driver the
// quick level cannot drive without torch (the tool's limit:
// --torch-compile checks it).
// The judgement is rules/triton_kernel.h; this file runs the script.
#include "rules/triton_kernel.h"

#include <algorithm>
#include <chrono>
#include <string>

#include "platform/nvml.h"
#include "platform/run_command.h"
#include "platform/torch_locator.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "preflight/strings.h"
#include "probes/torch_compile_request.h"

namespace preflight {
namespace {

// The script, run with -c, in three parts: the start, one of two bodies,
// the end. Triton reads a kernel's source with inspect, so the kernel's
// source is registered with linecache under a name of its own (as doctest
// does) and compiled from there.
constexpr const char* kScriptStart = R"PY(
import json, linecache, os, random, sys, time
out = {"stage": "start"}
# stderr (ours, Triton's, the compiler's) goes to memory, read back at the end.
try:
    log_fd = os.memfd_create("preflight-triton-stderr")
    os.dup2(log_fd, 2)
except (AttributeError, OSError):
    log_fd = None
KERNEL = """
import triton
import triton.language as tl

@triton.jit
def two_x_plus_one(x_ptr, y_ptr, n, BLOCK: tl.constexpr, RUN: tl.constexpr):
    i = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
    keep = i < n
    tl.store(y_ptr + i, tl.load(x_ptr + i, mask=keep) * 2.0 + 1.0, mask=keep)
"""
def load_kernel():
    import triton
    out["triton"] = triton.__version__
    name = "<gpu-preflight triton kernel>"
    linecache.cache[name] = (len(KERNEL), None, KERNEL.splitlines(True), name)
    namespace = {}
    exec(compile(KERNEL, name, "exec"), namespace)
    return triton, namespace["two_x_plus_one"]
try:
)PY";

// --torch-compile and --level full: as torch.compile runs it, with torch's
// tensors, device and stream.
constexpr const char* kThroughTorch = R"PY(
    out["stage"] = "import torch"
    import torch
    out["torch"] = torch.__version__
    out["torch_cuda"] = torch.version.cuda or ""
    if torch.version.cuda is None:
        out["cpu_only"] = True
        raise SystemExit(0)
    out["stage"] = "import triton"
    triton, kernel = load_kernel()
    out["stage"] = "CUDA context"
    x = torch.randn(1 << 16, device="cuda")
    torch.cuda.synchronize()
    major, minor = torch.cuda.get_device_capability()
    out["capability"] = f"{major}{minor}"
    y = torch.empty_like(x)
    out["stage"] = "compile and launch"
    t = time.perf_counter()
    compiled = kernel[(triton.cdiv(x.numel(), 1024),)](
        x, y, x.numel(), BLOCK=1024, RUN=random.getrandbits(62))
    torch.cuda.synchronize()
    out["first_launch_s"] = time.perf_counter() - t
    out["stage"] = "check"
    if os.environ.get("PREFLIGHT_TRITON_CORRUPT") == "1":
        y[7] += 1.0
    out["match"] = bool(torch.equal(y, x * 2.0 + 1.0))
)PY";

// The quick level: the same kernel through Triton's own CUDA driver, with
// memory from libcuda, so that python3 never imports torch (seconds: on an
// H100 the first design, which let Triton's JIT specialize the arguments
// and so import torch, took 3 s more than this). The job's torch is found
// where its import would find it and its version file read; its import is
// driver.libraries' to judge. Triton's driver asks torch only for the
// current device, stream and capability: a subclass answers those (GPU 0
// of the job's CUDA_VISIBLE_DEVICES, the default stream, libcuda's
// capability). Everything else, the code generation, ptxas, the C compiler
// building Triton's utilities and launcher in the job's cache, loading and
// launching, is Triton's own code as the job runs it.
constexpr const char* kThroughTritonDriver = R"PY(
    out["stage"] = "import torch"
    import array, ctypes, importlib.util
    spec = importlib.util.find_spec("torch")
    if spec is None:
        raise ModuleNotFoundError("No module named 'torch'")
    if not spec.submodule_search_locations:
        raise ImportError("%s is not the PyTorch package" % spec.origin)
    version = {}
    with open(os.path.join(list(spec.submodule_search_locations)[0],
                           "version.py")) as f:
        exec(compile(f.read(), f.name, "exec"), version)
    out["torch"] = version.get("__version__", "")
    out["torch_cuda"] = version.get("cuda") or ""
    if not out["torch_cuda"]:
        out["cpu_only"] = True
        raise SystemExit(0)
    out["stage"] = "import triton"
    triton, kernel = load_kernel()
    out["stage"] = "Triton's driver without torch"
    from triton.runtime.driver import driver as active_driver
    from triton.backends.nvidia.driver import CudaDriver, CudaUtils, CudaLauncher
    from triton.backends.compiler import GPUTarget
    from triton.compiler import ASTSource
    n, run_key = 1 << 16, random.getrandbits(62)
    # triton.compile, not kernel[grid](...): the JIT's argument
    # specialization imports torch where it is installed (specialize.cc).
    signature = {"x_ptr": "*fp32", "y_ptr": "*fp32", "n": "i32"}
    constants = {"BLOCK": 1024, "RUN": run_key}
    try:  # Triton 3.3 and later: constexprs in the signature and the launch
        source = ASTSource(kernel, dict(signature, BLOCK="constexpr", RUN="constexpr"),
                           constexprs=constants)
        scalars = (n, 1024, run_key)
    except TypeError:  # Triton 3.1, 3.2: constants apart, not launched
        source = ASTSource(kernel, signature, constants)
        scalars = (n,)
    out["stage"] = "CUDA context"
    cuda = ctypes.CDLL("libcuda.so.1")
    def cu(call, *args):
        status = getattr(cuda, call)(*args)
        if status != 0:
            name, text = ctypes.c_char_p(), ctypes.c_char_p()
            cuda.cuGetErrorName(status, ctypes.byref(name))
            cuda.cuGetErrorString(status, ctypes.byref(text))
            raise RuntimeError("%s returned %d (%s: %s)" % (
                call, status, (name.value or b"?").decode(),
                (text.value or b"?").decode()))
    device, context = ctypes.c_int(), ctypes.c_void_p()
    cu("cuInit", 0)
    cu("cuDeviceGet", ctypes.byref(device), 0)
    cu("cuDevicePrimaryCtxRetain", ctypes.byref(context), device)
    cu("cuCtxSetCurrent", context)
    major, minor = ctypes.c_int(), ctypes.c_int()
    cu("cuDeviceGetAttribute", ctypes.byref(major), 75, device)
    cu("cuDeviceGetAttribute", ctypes.byref(minor), 76, device)
    out["capability"] = f"{major.value}{minor.value}"
    x = array.array("f", (random.uniform(-4.0, 4.0) for _ in range(n)))
    y = array.array("f", bytes(4 * n))
    x_gpu, y_gpu = ctypes.c_uint64(), ctypes.c_uint64()
    cu("cuMemAlloc_v2", ctypes.byref(x_gpu), ctypes.c_size_t(4 * n))
    cu("cuMemAlloc_v2", ctypes.byref(y_gpu), ctypes.c_size_t(4 * n))
    cu("cuMemcpyHtoD_v2", x_gpu, ctypes.c_void_p(x.buffer_info()[0]),
       ctypes.c_size_t(4 * n))
    capability = (major.value, minor.value)
    class JobDevice(CudaDriver):
        def __init__(self):  # CudaDriver's, less the torch it imports
            self.utils = CudaUtils()
            self.launcher_cls = CudaLauncher
            self.get_current_device = lambda: 0
            self.set_current_device = lambda index: None
            self.get_current_stream = lambda index=None: 0
            self.get_device_capability = lambda index=None: capability
    out["stage"] = "compile and launch"
    t = time.perf_counter()
    active_driver.set_active(JobDevice())
    compiled = triton.compile(source, target=GPUTarget("cuda", 10 * major.value + minor.value, 32))
    compiled[(triton.cdiv(n, 1024), 1, 1)](x_gpu.value, y_gpu.value, *scalars)
    cu("cuCtxSynchronize")
    out["first_launch_s"] = time.perf_counter() - t
    out["stage"] = "check"
    cu("cuMemcpyDtoH_v2", ctypes.c_void_p(y.buffer_info()[0]), y_gpu,
       ctypes.c_size_t(4 * n))
    if os.environ.get("PREFLIGHT_TRITON_CORRUPT") == "1":
        y[7] += 1.0
    out["match"] = y == array.array("f", (v * 2.0 + 1.0 for v in x))
)PY";

constexpr const char* kScriptEnd = R"PY(
    out["stage"] = "done"
    try:  # this run's kernel only: nothing else of the cache is touched
        import shutil
        from triton.runtime.cache import get_cache_manager
        manager = get_cache_manager(compiled.hash)
        out["cache_dir"] = os.path.dirname(manager.cache_dir)
        shutil.rmtree(manager.cache_dir, ignore_errors=True)
    except Exception:
        pass
except SystemExit:
    pass
except BaseException as e:
    out["error_type"] = type(e).__name__
    out["error"] = str(e)[-3000:]
    # What explains a failure: this Python's version (its headers' package)
    # and the Triton torch's own metadata pins.
    out["python"] = "%d.%d" % sys.version_info[:2]
    try:
        from importlib.metadata import requires
        pins = [r.split(";")[0].strip() for r in requires("torch") or []
                if r.startswith(("triton", "pytorch-triton"))]
        out["triton_pin"] = pins[0] if pins else ""
    except Exception:
        pass
if log_fd is not None:
    try:
        sys.stderr.flush()
        size = os.lseek(log_fd, 0, os.SEEK_END)
        os.lseek(log_fd, max(0, size - 3000), os.SEEK_SET)
        out["log_tail"] = os.read(log_fd, 3000).decode("utf-8", "replace")
    except OSError:
        pass
print("PREFLIGHT_TRITON " + json.dumps(out), flush=True)
)PY";

// Whether NVML reports any GPU in EXCLUSIVE_PROCESS mode (NVML ignores
// CUDA_VISIBLE_DEVICES, so this is any GPU of the node).
bool AnyGpuExclusiveProcess() {
  std::string why;
  const Nvml* nvml = LoadNvml(&why, nullptr);
  unsigned count = 0;
  if (nvml == nullptr || nvml->device_get_count(&count) != nvml::kSuccess) {
    return false;
  }
  for (unsigned i = 0; i < count; ++i) {
    nvml::Device dev = nullptr;
    if (nvml->device_get_handle_by_index(i, &dev) == nvml::kSuccess &&
        ExclusiveProcessMode(*nvml, dev)) {
      return true;
    }
  }
  return false;
}

}  // namespace

ProbeResult RunCompileTritonKernel(const ProbeContext& context) {
  TritonKernelObservation seen;
  seen.through_torch = TorchCompileRequested(context);
  // The job's python3 answers whether it has torch itself (the script's
  // first step): no locator round trip before the start.
  seen.python = JobPythonInterpreter();
  seen.why_no_python = "no python3 on PATH (set PREFLIGHT_PYTHON)";
  if (seen.python.empty()) return JudgeTritonKernel(seen);
  seen.exclusive_process = AnyGpuExclusiveProcess();
  if (seen.exclusive_process) return JudgeTritonKernel(seen);
  // Give up before the worker's soft deadline, leaving time to report.
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(
          context.soft_deadline - std::chrono::steady_clock::now())
          .count();
  const int timeout_ms =
      static_cast<int>(std::clamp<long long>(left - 1000, 1000, 120000));
  seen.timeout_s = timeout_ms / 1000;
  seen.facts.variables = JobCompileVariables();
  const CommandResult c = RunCommand(
      {seen.python, "-c",
       std::string(kScriptStart) +
           (seen.through_torch ? kThroughTorch : kThroughTritonDriver) +
           kScriptEnd},
      timeout_ms,
      {"PYTHONUNBUFFERED=1", std::string("PREFLIGHT_TRITON_CORRUPT=") +
                                 (context.corrupt_result ? "1" : "0")});
  seen.timed_out = c.timed_out;
  seen.exit_code = c.exit_code;
  if (c.exit_code > 128) seen.signal_name = DescribeSignal(c.exit_code - 128);
  const size_t at = c.output.rfind("PREFLIGHT_TRITON ");
  if (at != std::string::npos) {
    seen.report = ParseTritonKernelReport(
        c.output.substr(at + 17, c.output.find('\n', at) - at - 17));
  } else {
    // No marked line (killed, or the interpreter did not start): the last
    // of what it printed is all there is to quote.
    seen.log_tail = c.output.size() > 3000
                        ? c.output.substr(c.output.size() - 3000)
                        : c.output;
  }
  if (seen.report) {
    seen.facts.python_version = seen.report->python_version;
    seen.facts.triton_requirement = seen.report->triton_requirement;
  }
  return JudgeTritonKernel(seen);
}

}  // namespace preflight
