#include "rules/torch_block.h"

#include <cstdio>

#include "preflight/strings.h"

namespace preflight {

ProbeResult JudgeTorchBlock(const TorchBlockObservation& seen) {
  ProbeResult r;
  std::vector<std::string> wrong;
  for (const auto& p : seen.precisions) {
    r.AddMetric(
        {p.label + "_rel_error", p.stats.relative_error, "",
         Limit{Limit::Kind::kAtMost, p.tolerance,
               "built-in: " + p.label + " tolerance vs a CPU FP64 reference"}});
    r.details[p.label] = {{"nonfinite", p.stats.nonfinite},
                          {"max_abs_error", p.stats.max_abs_error}};
    if (!p.stats.Within(p.tolerance)) wrong.push_back(p.label);
  }
  r.AddMetric({"first_iteration_ms", seen.first_ms, "ms", {}});
  r.AddMetric({"warm_iteration_us", seen.warm_us, "us", {}});
  if (!wrong.empty()) {
    r.outcome = Outcome::kFail;
    r.summary = "torch " + seen.version + " (" + seen.lib_dir +
                ") computes MatMul+bias" + (seen.fused ? "+GELU" : "") +
                " wrongly on this GPU: " + Join(wrong, ", ");
    r.remediation =
        "Compare with tensor.gemm: if cuBLAS is right, the torch build is "
        "broken (reinstall torch); if both are wrong, the GPU is faulty "
        "(check ECC, drain it)";
    return r;
  }
  char text[320];
  std::snprintf(text, sizeof text,
                "torch %s (CUDA %s) MatMul+bias%s matches the CPU in fp32 and "
                "bf16; first step %.0f ms, then %.0f us",
                seen.version.c_str(), seen.cuda_version.c_str(),
                seen.fused ? "+GELU" : " (no fused GELU in this torch)",
                seen.first_ms, seen.warm_us);
  r.outcome = Outcome::kPass;
  r.summary = text;
  return r;
}

}  // namespace preflight
