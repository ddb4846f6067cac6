// compile.torch_compile — how long does torch.compile take to warm up here,
// does its cache work, and does anything break it?
//
// In the Python that has torch (driver.libraries found it), a subprocess
// compiles a small model (Linear-GELU-Linear, 64x256) with torch.compile and
// times its first call cold (empty TorchInductor and Triton cache
// directories of its own) and then, in a second process with the same
// caches, warm; it reports the FX-graph cache hits of the warm run and
// checks the compiled output against eager. Each subprocess has its own
// deadline. Runs at --level full, or with --torch-compile.
// Pass: both compile, outputs match, cold within 120 s and warm within 30 s
// (budgets; --thresholds overrides), warm faster than cold.
// Fail, with the fix: no C compiler, Python.h missing, Triton missing,
// cache directory not writable or noexec, or a compile error.
// The judgement is rules/torch_compile.h; this file runs the subprocesses.
#include "rules/torch_compile.h"

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "platform/nvml.h"
#include "platform/run_command.h"
#include "platform/temp_dir.h"
#include "platform/torch_locator.h"
#include "preflight/probe_context.h"
#include "preflight/result.h"
#include "preflight/strings.h"
#include "probes/torch_compile_request.h"

namespace preflight {
namespace {

constexpr const char* kScript = R"PY(
import json, sys, time
t0 = time.perf_counter()
import torch
from torch._dynamo.utils import counters
t1 = time.perf_counter()
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(256, 256), torch.nn.GELU(),
                            torch.nn.Linear(256, 256)).cuda()
x = torch.randn(64, 256, device="cuda")
compiled = torch.compile(model)
t2 = time.perf_counter()
y = compiled(x)
torch.cuda.synchronize()
t3 = time.perf_counter()
ref = model(x)
print("PREFLIGHT_RESULT " + json.dumps({
    "import_s": t1 - t0, "first_call_s": t3 - t2,
    "match": bool(torch.allclose(y, ref, rtol=1e-3, atol=1e-3)),
    "cache_hits": int(counters["inductor"]["fxgraph_cache_hit"]),
    "cache_misses": int(counters["inductor"]["fxgraph_cache_miss"]),
    "torch": torch.__version__}))
)PY";

TorchCompileRun RunOnce(const std::string& python, const std::string& cache,
                        int timeout_ms) {
  TorchCompileRun run;
  const CommandResult c =
      RunCommand({python, "-c", kScript}, timeout_ms,
                 {"TORCHINDUCTOR_CACHE_DIR=" + cache + "/inductor",
                  "TRITON_CACHE_DIR=" + cache + "/triton",
                  "TORCHINDUCTOR_FX_GRAPH_CACHE=1", "PYTHONUNBUFFERED=1"});
  run.output = c.output;
  run.timed_out = c.timed_out;
  const size_t at = c.output.rfind("PREFLIGHT_RESULT ");
  if (c.exit_code == 0 && at != std::string::npos) {
    run.result =
        nlohmann::json::parse(c.output.substr(at + 17), nullptr, false);
    run.ok = !run.result.is_discarded();
  }
  return run;
}

// Whether NVML reports the context's GPU in EXCLUSIVE_PROCESS mode.
bool GpuIsExclusiveProcess(const ProbeContext& context, std::string* why) {
  const Nvml* nvml = LoadNvml(why, nullptr);
  nvml::Device dev = nullptr;
  return nvml != nullptr &&
         nvml->device_get_handle_by_pci_bus_id(context.gpu_pci_bus_id.c_str(),
                                               &dev) == nvml::kSuccess &&
         ExclusiveProcessMode(*nvml, dev);
}

}  // namespace

ProbeResult RunCompileTorchCompile(const ProbeContext& context) {
  TorchCompileObservation seen;
  seen.requested = TorchCompileRequested(context);
  if (!seen.requested) return JudgeTorchCompile(seen, context);
  std::string why;
  const auto torch = LocateTorch(&why);
  seen.python = torch ? torch->python : "";
  seen.why_no_python = torch ? "libtorch via $LIBTORCH" : why;
  if (seen.python.empty()) return JudgeTorchCompile(seen, context);
  // The check runs torch.compile in a python3 of its own while this worker
  // holds the GPU's context: on an EXCLUSIVE_PROCESS GPU (common on HPC)
  // the child would be refused as "busy or unavailable", a failure of the
  // check, not of the job, which would be the GPU's only process (FF11).
  std::string why_mode;
  seen.exclusive_process = GpuIsExclusiveProcess(context, &why_mode);
  if (seen.exclusive_process) return JudgeTorchCompile(seen, context);
  const std::string cache =
      MakePrivateTempDir("gpu-preflight-compile-", &seen.temp_error);
  if (cache.empty()) return JudgeTorchCompile(seen, context);
  seen.temp_error.clear();
  seen.facts.variables = JobCompileVariables();
  seen.cold = RunOnce(seen.python, cache, 240000);
  if (seen.cold.ok) seen.warm = RunOnce(seen.python, cache, 120000);
  RemoveTree(cache);
  return JudgeTorchCompile(seen, context);
}

}  // namespace preflight
