#include "rules/cuda_graph.h"

#include <cstdio>

namespace preflight {

ProbeResult JudgeCudaGraph(const CudaGraphObservation& seen,
                           const ProbeContext& inputs) {
  ProbeResult r;
  r.details["block"] =
      "4 x (cuBLAS SGEMM 512^3 + bias + GELU kernel), 8 launches";
  r.details["capture_ms"] = seen.capture_ms;
  r.details["instantiate_ms"] = seen.instantiate_ms;
  r.details["first_launch_ms"] = seen.first_launch_ms;
  Metric cold = JudgedMetric(
      inputs, "cold_ms", seen.cold_ms, "ms",
      {Limit::Kind::kAtMost, 200,
       "built-in warm-up budget: capture + instantiate + first launch of "
       "an 8-launch block"});
  r.AddMetric(cold);
  r.AddMetric({"warm_us", seen.replay_us, "us", {}});
  r.AddMetric({"eager_us", seen.eager_us, "us", {}});
  Metric speedup = JudgedMetric(
      inputs, "speedup", seen.eager_us / seen.replay_us, "",
      {Limit::Kind::kAtLeast, 0.9,
       "built-in: replay no slower than 0.9x eager (a GPU-bound block gains "
       "~1.0x)"});
  r.AddMetric(speedup);
  r.AddMetric({"differing_elements", static_cast<double>(seen.differing),
               "count",
               Limit{Limit::Kind::kAtMost, 0,
                     "built-in: replay equals eager bit for bit"}});
  char text[256];
  if (seen.differing > 0) {
    std::snprintf(
        text, sizeof text,
        "graph replay differs from eager execution in %zu of %zu elements",
        seen.differing, seen.elements);
    r.outcome = Outcome::kFail;
    r.summary = text;
    r.remediation =
        "The same kernels on the same inputs gave different bits: a "
        "nondeterministic library "
        "build or a GPU fault; compare with tensor.gemm and check ECC";
    return r;
  }
  std::snprintf(text, sizeof text,
                "replay equals eager; cold %.1f ms (capture %.2f, instantiate "
                "%.2f, first "
                "launch %.2f), replay %.1f us vs eager %.1f us (%.2fx)",
                seen.cold_ms, r.details["capture_ms"].get<double>(),
                r.details["instantiate_ms"].get<double>(),
                r.details["first_launch_ms"].get<double>(), seen.replay_us,
                seen.eager_us, seen.eager_us / seen.replay_us);
  r.summary = text;
  if (!cold.Passes() || !speedup.Passes()) {
    r.outcome = Outcome::kFail;
    r.summary = (!cold.Passes() ? "graph warm-up over budget: "
                                : "replay slower than eager: ") +
                r.summary;
    r.remediation =
        "Slow instantiation or launch points at a loaded host CPU or lazy "
        "module loading "
        "(CUDA_MODULE_LOADING=EAGER changes the cold cost); check the CPU "
        "quota (host.cpu_quota)";
    return r;
  }
  r.outcome = Outcome::kPass;
  return r;
}

}  // namespace preflight
