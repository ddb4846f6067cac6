#include "rules/torch_compile.h"

#include <cstdio>

#include "preflight/strings.h"

namespace preflight {
namespace {

std::string Tail(const std::string& text) {
  const std::string t = Trim(text);
  return t.size() > 400 ? "…" + t.substr(t.size() - 400) : t;
}

ProbeResult RunFailed(const TorchCompileObservation& seen) {
  const TorchCompileRun& failed = !seen.cold.ok ? seen.cold : seen.warm;
  // One table explains the compile path's failures (compile.triton_kernel
  // reads it too); the output's own words stay in the summary.
  const CompileFailureExplanation why =
      ExplainCompileFailure(failed.output, seen.facts);
  std::string cause = failed.timed_out ? "timed out"
                      : why.known      ? "failed (" + why.what + ")"
                                       : "failed";
  if (!why.named_variables.empty())
    cause += " (set: " + why.named_variables + ")";
  const std::string fix =
      why.known ? why.fix
                : "Run the model with TORCH_LOGS=+inductor to see the failing "
                  "step; torch.compile needs a C compiler, Python headers, "
                  "Triton and writable, exec-mounted cache directories";
  ProbeResult r;
  r.details["python"] = seen.python;
  r.outcome = Outcome::kFail;
  r.summary = std::string("torch.compile ") +
              (!seen.cold.ok ? "(cold) " : "(warm) ") + cause + ": " +
              Tail(failed.output);
  r.remediation = fix;
  return r;
}

}  // namespace

ProbeResult JudgeTorchCompile(const TorchCompileObservation& seen,
                              const ProbeContext& inputs) {
  if (!seen.requested) {
    return ProbeResult::Skip(
        skip_reason::kNotApplicable,
        "runs at --level full or with --torch-compile (it takes tens of "
        "seconds)");
  }
  if (seen.python.empty()) {
    return ProbeResult::Skip(skip_reason::kLibraryMissing,
                             "no Python with torch: " + seen.why_no_python);
  }
  if (seen.exclusive_process) {
    return ProbeResult::Skip(
        skip_reason::kNotApplicable,
        "the GPU is in EXCLUSIVE_PROCESS compute mode and this check's worker "
        "holds it, so torch.compile's second process cannot be given a "
        "context here; a job alone on the GPU is not affected");
  }
  if (!seen.temp_error.empty()) {
    return ProbeResult::Fail(seen.temp_error, "make TMPDIR (or /tmp) writable");
  }
  if (!seen.cold.ok || !seen.warm.ok) return RunFailed(seen);
  const nlohmann::json& cold = seen.cold.result;
  const nlohmann::json& warm = seen.warm.result;
  const double cold_s = cold.value("first_call_s", 0.0);
  const double warm_s = warm.value("first_call_s", 0.0);
  ProbeResult r;
  r.details["python"] = seen.python;
  Metric cold_m = JudgedMetric(
      inputs, "cold_s", cold_s, "s",
      {Limit::Kind::kAtMost, 120,
       "built-in warm-up budget: first compiled call, empty cache"});
  Metric warm_m = JudgedMetric(
      inputs, "warm_s", warm_s, "s",
      {Limit::Kind::kAtMost, 30,
       "built-in warm-up budget: first compiled call, warm cache"});
  r.AddMetric(cold_m);
  r.AddMetric(warm_m);
  r.AddMetric({"import_s", cold.value("import_s", 0.0), "s", {}});
  r.AddMetric({"warm_cache_hits", warm.value("cache_hits", 0.0), "count", {}});
  r.details["torch"] = cold.value("torch", "");
  char text[256];
  std::snprintf(text, sizeof text,
                "torch.compile first call %.1f s cold, %.1f s warm (FX graph "
                "cache hits: %d); compiled output matches eager",
                cold_s, warm_s, warm.value("cache_hits", 0));
  r.summary = text;
  if (!cold.value("match", false) || !warm.value("match", false)) {
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
        "keep TORCHINDUCTOR_CACHE_DIR on persistent, writable storage; slow "
        "compiles point at a small CPU quota (host.cpu_quota)";
    return r;
  }
  r.outcome = Outcome::kPass;
  return r;
}

}  // namespace preflight
