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

struct Breakage {
  const char* needle;
  const char* cause;
  const char* fix;
};

// reference/failure-modes.md, torch.compile rows.
constexpr Breakage kBreakages[] = {
    {"Python.h", "the Python development headers are missing",
     "apt-get install -y python3-dev (or the -dev package of this Python)"},
    {"Failed to find C compiler", "no C compiler",
     "apt-get install -y build-essential, or set CC"},
    {"No module named 'triton'", "Triton is not installed",
     "pip install triton (the version torch pins)"},
    {"failed to map segment", "the cache directory is on a noexec mount",
     "set TORCHINDUCTOR_CACHE_DIR and TRITON_CACHE_DIR to an exec-mounted "
     "directory"},
    {"Read-only file system", "the cache directory is not writable",
     "set TORCHINDUCTOR_CACHE_DIR and TRITON_CACHE_DIR to a writable "
     "directory"},
    {"Permission denied", "the cache directory is not writable",
     "set TORCHINDUCTOR_CACHE_DIR and TRITON_CACHE_DIR to a writable "
     "directory"},
};

struct Run {
  bool ok = false;
  nlohmann::json result;
  std::string output;
  bool timed_out = false;
};

Run RunOnce(const std::string& python, const std::string& cache,
            int timeout_ms) {
  Run run;
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

std::string Tail(const std::string& text) {
  const std::string t = Trim(text);
  return t.size() > 400 ? "…" + t.substr(t.size() - 400) : t;
}

// Whether NVML reports the context's GPU in EXCLUSIVE_PROCESS mode.
bool GpuIsExclusiveProcess(const ProbeContext& context, std::string* why) {
  const Nvml* nvml = LoadNvml(why, nullptr);
  nvml::Device dev = nullptr;
  int mode = 0;
  return nvml != nullptr &&
         nvml->device_get_handle_by_pci_bus_id(context.gpu_pci_bus_id.c_str(),
                                               &dev) == nvml::kSuccess &&
         nvml->device_get_compute_mode(dev, &mode) == nvml::kSuccess &&
         mode == nvml::kComputeModeExclusiveProcess;
}

}  // namespace

ProbeResult RunCompileTorchCompile(const ProbeContext& context) {
  if (!TorchCompileRequested(context)) {
    return ProbeResult::Skip(
        skip_reason::kNotApplicable,
        "runs at --level full or with --torch-compile (it takes tens of "
        "seconds)");
  }
  std::string why;
  const auto torch = LocateTorch(&why);
  if (!torch || torch->python.empty()) {
    return ProbeResult::Skip(
        skip_reason::kLibraryMissing,
        "no Python with torch: " + (torch ? "libtorch via $LIBTORCH" : why));
  }
  // The check runs torch.compile in a python3 of its own while this worker
  // holds the GPU's context: on an EXCLUSIVE_PROCESS GPU (common on HPC)
  // the child would be refused as "busy or unavailable", a failure of the
  // check, not of the job, which would be the GPU's only process (FF11).
  if (std::string why_mode; GpuIsExclusiveProcess(context, &why_mode)) {
    return ProbeResult::Skip(
        skip_reason::kNotApplicable,
        "the GPU is in EXCLUSIVE_PROCESS compute mode and this check's worker "
        "holds it, so torch.compile's second process cannot be given a "
        "context here; a job alone on the GPU is not affected");
  }
  std::string dir_error;
  const std::string cache =
      MakePrivateTempDir("gpu-preflight-compile-", &dir_error);
  if (cache.empty())
    return ProbeResult::Fail(dir_error, "make TMPDIR (or /tmp) writable");
  const Run cold = RunOnce(torch->python, cache, 240000);
  Run warm;
  if (cold.ok) warm = RunOnce(torch->python, cache, 120000);
  RemoveTree(cache);

  ProbeResult r;
  r.details["python"] = torch->python;
  const Run& failed = !cold.ok ? cold : warm;
  if (!cold.ok || !warm.ok) {
    r.outcome = Outcome::kFail;
    std::string cause = failed.timed_out ? "timed out" : "failed";
    std::string fix =
        "Run the model with TORCH_LOGS=+inductor to see the failing step; "
        "torch.compile needs a C "
        "compiler, Python headers, Triton and writable, exec-mounted cache "
        "directories";
    for (const Breakage& b : kBreakages) {
      if (failed.output.find(b.needle) != std::string::npos) {
        cause = b.cause;
        fix = b.fix;
        break;
      }
    }
    r.summary = std::string("torch.compile ") +
                (!cold.ok ? "(cold) " : "(warm) ") + cause + ": " +
                Tail(failed.output);
    r.remediation = fix;
    return r;
  }
  const double cold_s = cold.result.value("first_call_s", 0.0);
  const double warm_s = warm.result.value("first_call_s", 0.0);
  Metric cold_m = JudgedMetric(
      context, "cold_s", cold_s, "s",
      {Limit::Kind::kAtMost, 120,
       "built-in warm-up budget: first compiled call, empty cache"});
  Metric warm_m = JudgedMetric(
      context, "warm_s", warm_s, "s",
      {Limit::Kind::kAtMost, 30,
       "built-in warm-up budget: first compiled call, warm cache"});
  r.AddMetric(cold_m);
  r.AddMetric(warm_m);
  r.AddMetric({"import_s", cold.result.value("import_s", 0.0), "s", {}});
  r.AddMetric(
      {"warm_cache_hits", warm.result.value("cache_hits", 0.0), "count", {}});
  r.details["torch"] = cold.result.value("torch", "");
  const bool match =
      cold.result.value("match", false) && warm.result.value("match", false);
  char text[256];
  std::snprintf(text, sizeof text,
                "torch.compile first call %.1f s cold, %.1f s warm (FX graph "
                "cache hits: %d); "
                "compiled output matches eager",
                cold_s, warm_s, warm.result.value("cache_hits", 0));
  r.summary = text;
  if (!match) {
    r.outcome = Outcome::kFail;
    r.summary = "torch.compile output differs from eager beyond 1e-3";
    r.remediation =
        "A compiler or Triton bug in this torch version: update torch/triton";
    return r;
  }
  if (!cold_m.Passes() || !warm_m.Passes() || warm_s >= cold_s) {
    r.outcome = Outcome::kFail;
    r.summary =
        "torch.compile warm-up over budget or cache not used: " + r.summary;
    r.remediation =
        "A warm start as slow as a cold one means the cache is not reused: "
        "keep "
        "TORCHINDUCTOR_CACHE_DIR on persistent, writable storage; slow "
        "compiles point at a "
        "small CPU quota (host.cpu_quota)";
    return r;
  }
  r.outcome = Outcome::kPass;
  return r;
}

}  // namespace preflight
