// compile.triton_kernel — does the first step of torch.compile's GPU path
// work for the job: can its python3 compile, load and launch a Triton
// kernel?
//
// The job's python3 (the one driver.libraries resolved torch for), with the
// job's environment and user, runs a small script: import torch and triton,
// make a CUDA tensor of random values, compile a one-line Triton kernel
// (y = 2x + 1) into an empty private cache (so the whole path runs: Triton's
// code generation, ptxas, the C compiler building its launcher against
// Python.h and libcuda, loading it from the cache directory) and launch it
// on GPU 0 of the job's CUDA_VISIBLE_DEVICES, then compare with torch's
// result. The script reports each step it reaches and any exception on a
// marked stdout line; the stderr of it, Triton and the compiler goes to a
// file of its own, whose last lines carry the compiler's words. It runs in
// a lane of its own, beside the GPU lanes, once per node.
// Pass: the kernel ran and its output is exact.
// Warn (fail at --level full or with --torch-compile): it did not compile,
// load, launch or finish; the cause is what Triton, the compiler or CUDA
// said, then what explains it (rules/compile_failure.h). An eager job never
// compiles a kernel, so the default level warns.
// Fail: wrong values from the kernel.
// Skip: no torch, torch's import fails (driver.libraries says why), no
// CUDA context (the driver probes say why), a CPU-only torch, an
// EXCLUSIVE_PROCESS GPU (the tool's own limit).
// The judgement is rules/triton_kernel.h; this file runs the script.
#include "rules/triton_kernel.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>

#include "platform/nvml.h"
#include "platform/run_command.h"
#include "platform/temp_dir.h"
#include "platform/torch_locator.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "preflight/strings.h"
#include "probes/host/cache_locations.h"
#include "probes/torch_compile_request.h"

namespace preflight {
namespace {

// Triton reads a kernel's source with inspect, so the script is a file.
constexpr const char* kScript = R"PY(
import json, os, sys, time
out = {"stage": "start"}
log_path = os.environ["PREFLIGHT_TRITON_LOG"]
fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
os.dup2(fd, 2)
os.close(fd)
try:
    out["stage"] = "import torch"
    import torch
    out["torch"] = torch.__version__
    out["torch_cuda"] = torch.version.cuda or ""
    if torch.version.cuda is None:
        out["cpu_only"] = True
        raise SystemExit(0)
    out["stage"] = "import triton"
    import triton
    import triton.language as tl
    out["triton"] = triton.__version__
    out["stage"] = "CUDA context"
    x = torch.randn(1 << 16, device="cuda")
    torch.cuda.synchronize()
    major, minor = torch.cuda.get_device_capability()
    out["capability"] = f"{major}{minor}"

    @triton.jit
    def two_x_plus_one(x_ptr, y_ptr, n, BLOCK: tl.constexpr):
        i = tl.program_id(0) * BLOCK + tl.arange(0, BLOCK)
        keep = i < n
        tl.store(y_ptr + i, tl.load(x_ptr + i, mask=keep) * 2.0 + 1.0, mask=keep)

    y = torch.empty_like(x)
    out["stage"] = "compile and launch"
    t = time.perf_counter()
    two_x_plus_one[(triton.cdiv(x.numel(), 1024),)](x, y, x.numel(), BLOCK=1024)
    torch.cuda.synchronize()
    out["first_launch_s"] = time.perf_counter() - t
    out["stage"] = "check"
    if os.environ.get("PREFLIGHT_TRITON_CORRUPT") == "1":
        y[7] += 1.0
    out["match"] = bool(torch.equal(y, x * 2.0 + 1.0))
    out["stage"] = "done"
except SystemExit:
    pass
except BaseException as e:
    out["error_type"] = type(e).__name__
    out["error"] = str(e)[-3000:]
try:
    sys.stderr.flush()
    with open(log_path, "rb") as f:
        f.seek(0, 2)
        f.seek(max(0, f.tell() - 3000))
        out["log_tail"] = f.read().decode("utf-8", "replace")
except OSError:
    pass
print("PREFLIGHT_TRITON " + json.dumps(out), flush=True)
)PY";

// Writes `text` to a new file at `path`; false with the system's words.
bool WriteWhole(const std::string& path, const std::string& text,
                std::string* error) {
  FILE* file = std::fopen(path.c_str(), "w");
  bool ok = file != nullptr &&
            std::fwrite(text.data(), 1, text.size(), file) == text.size();
  int saved = errno;
  if (file != nullptr && std::fclose(file) != 0 && ok) {
    ok = false;
    saved = errno;
  }
  if (!ok) *error = "cannot write " + path + ": " + std::strerror(saved);
  return ok;
}

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
    int mode = 0;
    if (nvml->device_get_handle_by_index(i, &dev) == nvml::kSuccess &&
        nvml->device_get_compute_mode(dev, &mode) == nvml::kSuccess &&
        mode == nvml::kComputeModeExclusiveProcess) {
      return true;
    }
  }
  return false;
}

// Asked of the job's python3 only after a failure: its version (for the
// headers' package) and what torch's own metadata pins Triton to.
void AskPythonFacts(const std::string& python, CompileFailureFacts* facts) {
  const CommandResult c = RunCommand(
      {python, "-c",
       "import sys\n"
       "print('PREFLIGHT_PY %d.%d' % sys.version_info[:2])\n"
       "try:\n"
       "    from importlib.metadata import requires\n"
       "    pins = [r.split(';')[0].strip() for r in requires('torch') or []\n"
       "            if r.startswith(('triton', 'pytorch-triton'))]\n"
       "    print('PREFLIGHT_PIN ' + (pins[0] if pins else ''))\n"
       "except Exception:\n"
       "    pass\n"},
      5000);
  const auto marked = [&](const std::string& mark) {
    const size_t at = c.output.rfind(mark);
    if (at == std::string::npos) return std::string();
    const size_t from = at + mark.size();
    return Trim(c.output.substr(from, c.output.find('\n', from) - from));
  };
  facts->python_version = marked("PREFLIGHT_PY ");
  facts->triton_requirement = marked("PREFLIGHT_PIN ");
}

// Where torch.compile's Triton would write this kernel: $TRITON_CACHE_DIR,
// else <the Inductor cache>/triton/0 (torch's triton_cache_dir). The check
// works in a private directory of its own there (in the nearest existing
// ancestor: what Triton's makedirs starts from), so a full, read-only or
// noexec cache fails it as it fails the job; $TMPDIR where torch could not
// name one.
std::string TritonCacheOfTheJob() {
  if (const char* set = std::getenv("TRITON_CACHE_DIR"); set && *set) {
    return set;
  }
  for (const CacheLocation& c :
       ResolveCacheLocations(CurrentCacheEnvironment())) {
    if (c.purpose == "TorchInductor cache" && !c.path.empty()) {
      return c.path + "/triton/0";
    }
  }
  return TempBase();
}

}  // namespace

ProbeResult RunCompileTritonKernel(const ProbeContext& context) {
  TritonKernelObservation seen;
  seen.compile_asked = TorchCompileRequested(context);
  if (context.node_facts.contains("torch_import")) {
    const nlohmann::json& failed = context.node_facts["torch_import"];
    seen.python = "(blocked)";
    seen.torch_import_failure = failed.value("summary", "");
    seen.torch_import_fix = failed.value("remediation", "");
    return JudgeTritonKernel(seen);
  }
  std::string why;
  const auto torch = LocateTorch(&why);
  seen.python = torch ? torch->python : "";
  seen.why_no_python = torch ? "libtorch via $LIBTORCH, no python3" : why;
  if (seen.python.empty()) return JudgeTritonKernel(seen);
  seen.exclusive_process = AnyGpuExclusiveProcess();
  if (seen.exclusive_process) return JudgeTritonKernel(seen);
  seen.cache_dir = TritonCacheOfTheJob();
  const std::string dir =
      MakePrivateDirIn(NearestExistingDir(seen.cache_dir),
                       ".gpu-preflight-triton-", &seen.temp_error);
  if (dir.empty()) return JudgeTritonKernel(seen);
  seen.temp_error.clear();
  const std::string script = dir + "/triton_kernel_check.py";
  const std::string log = dir + "/stderr.log";
  if (!WriteWhole(script, kScript, &seen.temp_error)) {
    RemoveTree(dir);
    return JudgeTritonKernel(seen);
  }
  // Give up before the worker's soft deadline, leaving time to report.
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(
          context.soft_deadline - std::chrono::steady_clock::now())
          .count();
  const int timeout_ms =
      static_cast<int>(std::clamp<long long>(left - 1000, 1000, 120000));
  seen.timeout_s = timeout_ms / 1000;
  seen.facts.variables = JobCompileVariables();
  const CommandResult c =
      RunCommand({seen.python, script}, timeout_ms,
                 {"TRITON_CACHE_DIR=" + dir, "PREFLIGHT_TRITON_LOG=" + log,
                  "PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1",
                  std::string("PREFLIGHT_TRITON_CORRUPT=") +
                      (context.corrupt_result ? "1" : "0")});
  seen.timed_out = c.timed_out;
  seen.exit_code = c.exit_code;
  if (c.exit_code > 128) seen.signal_name = DescribeSignal(c.exit_code - 128);
  const size_t at = c.output.rfind("PREFLIGHT_TRITON ");
  if (at != std::string::npos) {
    seen.report = ParseTritonKernelReport(
        c.output.substr(at + 17, c.output.find('\n', at) - at - 17));
  }
  if (auto text = ReadSmallFile(log)) {
    seen.log_tail =
        text->size() > 3000 ? text->substr(text->size() - 3000) : *text;
  }
  RemoveTree(dir);
  if (!seen.report || seen.report->stage != "done") {
    AskPythonFacts(seen.python, &seen.facts);
  }
  return JudgeTritonKernel(seen);
}

}  // namespace preflight
