#include "rules/gemm.h"

#include <algorithm>
#include <cstdio>

#include "preflight/strings.h"
#include "rules/gpu_models.h"

namespace preflight {
namespace {

std::string Format(const char* fmt, double a, double b = 0) {
  char buffer[128];
  std::snprintf(buffer, sizeof buffer, fmt, a, b);
  return buffer;
}

}  // namespace

ProbeResult JudgeGemm(const GemmObservation& seen, const ProbeContext& inputs) {
  ProbeResult r;
  r.details["throttle"] = seen.throttle.ToJson();
  std::vector<std::string> wrong, slow, rates;
  // Low rates a setting of the job lowers: the setting, not the GPU.
  std::vector<std::string> set_low;
  std::vector<const SettingInForce*> set_by;
  for (const GemmPrecisionResult& p : seen.precisions) {
    const std::string& name = p.name;
    const double error =
        std::max(p.before.relative_error, p.after.relative_error);
    r.AddMetric(
        {name + "_rel_error", error, "",
         Limit{Limit::Kind::kAtMost, p.tolerance,
               "built-in: " + name + " tolerance vs an FP64 reference"}});
    Metric rate = JudgedOptionalMetric(
        inputs, name + "_tflops", p.tflops, "TFLOP/s",
        BuiltinModelLimit(inputs.gpu_name, name + "_tflops"));
    rate.spread = p.tflops_spread;
    r.AddMetric(rate);
    r.details[name] = {{"size", p.size},
                       {"median_ms", p.median_ms},
                       {"first_product_and_check_ms", p.first_product_ms},
                       {"rel_error_before_timing", p.before.relative_error},
                       {"rel_error_after_timing", p.after.relative_error},
                       {"max_abs_error", std::max(p.before.max_abs_error,
                                                  p.after.max_abs_error)},
                       {"nonfinite", p.before.nonfinite + p.after.nonfinite}};
    if (p.retaken_runs > 0) {
      r.details[name]["timed_runs_retaken"] = p.retaken_runs;
    }
    if (!p.before.Within(p.tolerance) || !p.after.Within(p.tolerance)) {
      const size_t nonfinite = p.before.nonfinite + p.after.nonfinite;
      wrong.push_back(
          name + (nonfinite > 0
                      ? " (" + std::to_string(nonfinite) + " NaN/inf)"
                      : Format(" (error %.2g > %.2g)", error, p.tolerance)));
    }
    if (!rate.Passes()) {
      const std::string low =
          name + Format(" %.1f < %.1f TFLOP/s", p.tflops, rate.limit->value);
      if (const SettingInForce* s =
              SettingLowering(seen.settings, name + "_tflops")) {
        set_low.push_back(low + " (" + s->variable + "=" + s->value + ")");
        if (std::find(set_by.begin(), set_by.end(), s) == set_by.end()) {
          set_by.push_back(s);
        }
      } else {
        slow.push_back(low);
      }
    }
    rates.push_back(name + Format(" %.1f", p.tflops));
  }
  if (!wrong.empty()) {
    r.outcome = Outcome::kFail;
    r.summary = "cuBLAS " + seen.cublas_version + " (" + seen.cublas_path +
                ") GEMM gives wrong results: " + Join(wrong, ", ");
    r.remediation =
        std::string(seen.tf32_override ? "NVIDIA_TF32_OVERRIDE=1 is set, which "
                                         "runs FP32 GEMMs in TF32: unset it. "
                                       : "") +
        "Wrong products point at failing GPU memory or compute: "
        "check ECC counters (`nvidia-smi -q -d ECC`), rerun with "
        "--level full, and drain the GPU if it repeats";
    return r;
  }
  std::string settings_said, settings_fix;
  for (const SettingInForce* s : set_by) {
    settings_said += (settings_said.empty() ? "" : "; ") + s->variable + "=" +
                     s->value + " is set: " + s->effect;
    settings_fix += (settings_fix.empty() ? "" : "; ") + s->fix;
  }
  if (!slow.empty()) {
    r.outcome = Outcome::kFail;
    const SlowRateCause why =
        ExplainSlowRate(seen.throttle, seen.gpu, seen.vantage);
    r.summary =
        "GEMM below this model's limit: " + Join(slow, ", ") + "; " + why.cause;
    if (!set_low.empty()) {
      r.summary +=
          " (also low, by the job's settings: " + Join(set_low, ", ") + ")";
    }
    r.remediation = why.remediation;
    return r;
  }
  if (!set_low.empty()) {
    r.outcome = Outcome::kWarn;
    r.summary =
        "GEMM below this model's limit because of the job's "
        "settings, not the GPU: " +
        Join(set_low, ", ") + "; " + settings_said;
    r.remediation = settings_fix;
    return r;
  }
  r.outcome = Outcome::kPass;
  r.summary = "cuBLAS " + seen.cublas_version + " (" + seen.cublas_origin +
              ") exact to tolerance in fp32/tf32/bf16/fp16; TFLOP/s " +
              Join(rates, ", ") +
              (FindGpuModel(inputs.gpu_name) != nullptr
                   ? ""
                   : " (no built-in limits for '" + inputs.gpu_name +
                         "': judged by correctness and sibling comparison)");
  return r;
}

}  // namespace preflight
